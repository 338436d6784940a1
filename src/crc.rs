//! CRC-32 as Go's `hash/crc32` computes it, with the IEEE polynomial by
//! default or any reversed-notation polynomial (the server's `crc_poly`).

/// The default polynomial (IEEE, reversed notation).
pub const IEEE: u32 = 0xEDB8_8320;

#[derive(Clone)]
pub struct Crc32 {
    table: Option<Box<[u32; 256]>>,
}

impl Crc32 {
    pub fn new(poly: u32) -> Self {
        if poly == IEEE {
            // crc32fast is the same function, with SIMD.
            return Crc32 { table: None };
        }
        let mut table = Box::new([0u32; 256]);
        for (i, slot) in table.iter_mut().enumerate() {
            let mut crc = i as u32;
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ poly
                } else {
                    crc >> 1
                };
            }
            *slot = crc;
        }
        Crc32 { table: Some(table) }
    }

    pub fn checksum(&self, data: &[u8]) -> u32 {
        match &self.table {
            None => crc32fast::hash(data),
            Some(table) => {
                let mut crc = !0u32;
                for &b in data {
                    crc = table[((crc ^ b as u32) & 0xFF) as usize] ^ (crc >> 8);
                }
                !crc
            }
        }
    }
}

impl Default for Crc32 {
    fn default() -> Self {
        Crc32::new(IEEE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_table_matches_ieee() {
        let data = b"123456789";
        let table = Crc32 {
            table: Crc32::new(0x82F6_3B78).table.map(|_| {
                let mut t = Box::new([0u32; 256]);
                for (i, slot) in t.iter_mut().enumerate() {
                    let mut crc = i as u32;
                    for _ in 0..8 {
                        crc = if crc & 1 == 1 {
                            (crc >> 1) ^ IEEE
                        } else {
                            crc >> 1
                        };
                    }
                    *slot = crc;
                }
                t
            }),
        };
        assert_eq!(table.checksum(data), 0xCBF4_3926);
        assert_eq!(Crc32::new(IEEE).checksum(data), 0xCBF4_3926);
        // CRC-32C check value.
        assert_eq!(Crc32::new(0x82F6_3B78).checksum(data), 0xE306_9283);
    }
}
