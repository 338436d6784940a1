//! A new output directory built under a temporary name beside its target
//! and renamed into place at the end, so that a failed or interrupted
//! write never leaves something that looks complete.

use std::fs;
use std::path::{Path, PathBuf};

use crate::partial;

use crate::error::{Result, StoreError};

pub struct Staging {
    target: PathBuf,
    tmp: PathBuf,
    published: bool,
}

impl Staging {
    /// `target` must not exist, or be an empty directory. The temporary
    /// directory is registered as a partial output (see [`crate::partial`]),
    /// so an interrupt handler removes it.
    pub fn create(target: &Path) -> Result<Self> {
        if let Some(why) = cannot_hold_a_directory(target) {
            return Err(StoreError::Invalid(format!(
                "{}: cannot be created: {why}",
                target.display()
            )));
        }
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
        let tmp = partial::partial_path(target, None);
        partial::register(&tmp);
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
        partial::forget(&self.tmp);
        self.published = true;
        Ok(())
    }
}

/// Why no directory can be made at `target`: it is something other than a
/// directory, or its nearest existing ancestor is not a directory (e.g.
/// `/dev/full/x`). Said up front: the error of creating the hidden
/// temporary directory would name that directory instead of the target.
fn cannot_hold_a_directory(target: &Path) -> Option<String> {
    if let Ok(meta) = fs::metadata(target) {
        return (!meta.is_dir()).then(|| "it exists and is not a directory".to_string());
    }
    let ancestor = target
        .ancestors()
        .skip(1)
        .find(|a| !a.as_os_str().is_empty() && fs::metadata(a).is_ok())?;
    let is_dir = fs::metadata(ancestor).is_ok_and(|m| m.is_dir());
    (!is_dir).then(|| format!("{} is not a directory", ancestor.display()))
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.published {
            // Best effort: a partial output must not be left looking valid.
            partial::remove(&self.tmp);
            partial::forget(&self.tmp);
        }
    }
}
