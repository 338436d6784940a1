//! A new output directory built under a temporary name beside its target
//! and renamed into place at the end, so that a failed or interrupted
//! write never leaves something that looks complete.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Result, StoreError};

pub struct Staging {
    target: PathBuf,
    tmp: PathBuf,
    published: bool,
}

impl Staging {
    /// `target` must not exist, or be an empty directory.
    pub fn create(target: &Path) -> Result<Self> {
        if target.exists() {
            let empty = fs::read_dir(target)
                .map_err(|e| StoreError::io(target, e))?
                .next()
                .is_none();
            if !empty {
                return Err(StoreError::Invalid(format!(
                    "{}: target exists and is not empty",
                    target.display()
                )));
            }
        }
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let base = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "store".into());
        let tmp = parent.join(format!(".{base}.stanctl-partial-{}", std::process::id()));
        fs::create_dir_all(&tmp).map_err(|e| StoreError::io(&tmp, e))?;
        Ok(Staging {
            target: target.to_path_buf(),
            tmp,
            published: false,
        })
    }

    /// Where the content will be.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Where the content is written until [`Staging::publish`].
    pub fn path(&self) -> &Path {
        &self.tmp
    }

    /// Rename the directory to its target (replacing an empty one).
    pub fn publish(mut self) -> Result<()> {
        if self.target.exists() {
            fs::remove_dir(&self.target).map_err(|e| StoreError::io(&self.target, e))?;
        }
        fs::rename(&self.tmp, &self.target).map_err(|e| StoreError::io(&self.target, e))?;
        self.published = true;
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.published {
            // Best effort: a partial output must not be left behind.
            let _ = fs::remove_dir_all(&self.tmp);
        }
    }
}
