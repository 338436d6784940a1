//! CRC-32 as Go's `hash/crc32` computes it, with the IEEE polynomial by
//! default or any reversed-notation polynomial (the server's `crc_poly`).

/// The default polynomial (IEEE, reversed notation).
pub const IEEE: u32 = 0xEDB8_8320;

#[derive(Clone)]
pub struct Crc32 {
    /// IEEE: long inputs go to crc32fast, the same function with SIMD.
    ieee: bool,
    /// Slice-by-8 tables (`[0]` is the byte table). They serve short
    /// inputs (the 28 bytes of an index record), where crc32fast's per-call
    /// set-up costs more than the CRC, and every input of other polynomials.
    tables: Box<[[u32; 256]; 8]>,
}

/// IEEE inputs shorter than this use the slice-by-8 tables.
const SHORT: usize = 64;

fn byte_table(poly: u32) -> [u32; 256] {
    let mut table = [0u32; 256];
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
    table
}

fn slice_by_8_tables(poly: u32) -> Box<[[u32; 256]; 8]> {
    let mut t = Box::new([[0u32; 256]; 8]);
    t[0] = byte_table(poly);
    for i in 0..256 {
        for k in 1..8 {
            let prev = t[k - 1][i];
            t[k][i] = (prev >> 8) ^ t[0][(prev & 0xFF) as usize];
        }
    }
    t
}

impl Crc32 {
    pub fn new(poly: u32) -> Self {
        Crc32 {
            ieee: poly == IEEE,
            tables: slice_by_8_tables(poly),
        }
    }

    pub fn checksum(&self, data: &[u8]) -> u32 {
        if self.ieee && data.len() >= SHORT {
            crc32fast::hash(data)
        } else {
            self.checksum_tables(data)
        }
    }

    fn checksum_tables(&self, data: &[u8]) -> u32 {
        let t = &self.tables;
        let mut crc = !0u32;
        let mut chunks = data.chunks_exact(8);
        for c in &mut chunks {
            let lo = crc ^ u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
            crc = t[7][(lo & 0xFF) as usize]
                ^ t[6][((lo >> 8) & 0xFF) as usize]
                ^ t[5][((lo >> 16) & 0xFF) as usize]
                ^ t[4][(lo >> 24) as usize]
                ^ t[3][c[4] as usize]
                ^ t[2][c[5] as usize]
                ^ t[1][c[6] as usize]
                ^ t[0][c[7] as usize];
        }
        for &b in chunks.remainder() {
            crc = t[0][((crc ^ b as u32) & 0xFF) as usize] ^ (crc >> 8);
        }
        !crc
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

    /// Go's check values, through both paths (the tables, and crc32fast
    /// for long IEEE inputs).
    #[test]
    fn check_values_for_ieee_and_castagnoli_short_and_long() {
        let ieee = Crc32::new(IEEE);
        let castagnoli = Crc32::new(0x82F6_3B78);
        assert_eq!(ieee.checksum(b"123456789"), 0xCBF4_3926);
        assert_eq!(castagnoli.checksum(b"123456789"), 0xE306_9283);
        // Every length around the slice-by-8 steps and the short limit:
        // the tables give what the byte-at-a-time definition gives.
        let data: Vec<u8> = (0..200u32).map(|i| (i * 37 + 11) as u8).collect();
        for poly in [IEEE, 0x82F6_3B78] {
            let crc = Crc32::new(poly);
            let table = byte_table(poly);
            for len in 0..data.len() {
                let mut want = !0u32;
                for &b in &data[..len] {
                    want = table[((want ^ b as u32) & 0xFF) as usize] ^ (want >> 8);
                }
                assert_eq!(
                    crc.checksum(&data[..len]),
                    !want,
                    "poly {poly:08x} len {len}"
                );
            }
        }
    }
}
