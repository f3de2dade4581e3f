//! The power-cut layer (`tests/powercut/powercut.c`, loaded with `LD_PRELOAD`) and the replay of
//! its undo journal: after a SIGKILL, every write not made durable by `fsync`/`fdatasync` is
//! undone, newest first, so the files read as they would after a power cut at that moment.

use std::collections::HashMap;
use std::fs::OpenOptions;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Compiles the layer into `out_dir` with the system's C compiler; returns the `.so`'s path.
pub fn build(out_dir: &Path) -> Result<PathBuf, String> {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("powercut/powercut.c");
    let lib = out_dir.join("powercut.so");
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let out = Command::new(&cc)
        .args(["-shared", "-fPIC", "-O2", "-Wall", "-Werror", "-o"])
        .arg(&lib)
        .arg(&source)
        .args(["-ldl", "-lpthread"])
        .output()
        .map_err(|e| format!("cannot run {cc}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{cc} failed on {}: {}",
            source.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(lib)
}

/// One write or truncation not yet durable: how to put the file back.
struct Undo {
    offset: u64,
    old_size: u64,
    old: Vec<u8>,
}

/// What one replay did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Replayed {
    /// Journal records read.
    pub records: usize,
    /// Writes and truncations undone (not durable at the cut).
    pub undone: usize,
    /// Bytes of file data put back.
    pub bytes_restored: u64,
    /// Files touched by the undo.
    pub files: usize,
}

enum Record {
    Write(String, Undo),
    Sync(String),
    Rename(String, String),
    Unlink(String),
    Unknown(u8, usize),
}

/// The journal ends inside a record.
struct Short;

fn read_record(r: &mut Reader<'_>) -> Result<Record, Short> {
    let at = r.at;
    let kind = r.take(1)?[0];
    Ok(match kind {
        b'W' => {
            let path = r.path()?;
            let offset = r.u64()?;
            let old_size = r.u64()?;
            let old_len = usize::try_from(r.u64()?).map_err(|_| Short)?;
            let old = r.take(old_len)?.to_vec();
            Record::Write(
                path,
                Undo {
                    offset,
                    old_size,
                    old,
                },
            )
        }
        b'S' => Record::Sync(r.path()?),
        b'N' => Record::Rename(r.path()?, r.path()?),
        b'U' => Record::Unlink(r.path()?),
        other => Record::Unknown(other, at),
    })
}

struct Reader<'a> {
    data: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], Short> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.data.len())
            .ok_or(Short)?;
        let s = &self.data[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn u32(&mut self) -> Result<u32, Short> {
        Ok(u32::from_ne_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }
    fn u64(&mut self) -> Result<u64, Short> {
        Ok(u64::from_ne_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }
    fn path(&mut self) -> Result<String, Short> {
        let n = self.u32()? as usize;
        // Paths are what the layer wrote; a torn one is a short record.
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| Short)
    }
}

/// Undoes, newest first, every record of `journal` not followed by a sync of its file, then
/// empties the journal for the next run.
pub fn replay(journal: &Path) -> Result<Replayed, String> {
    let data = match std::fs::read(journal) {
        Ok(d) => d,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Replayed::default()),
        Err(e) => return Err(format!("cannot read the journal: {e}")),
    };
    let mut pending: HashMap<String, Vec<Undo>> = HashMap::new();
    let mut r = Reader { data: &data, at: 0 };
    let mut stats = Replayed::default();
    while r.at < data.len() {
        let record = match read_record(&mut r) {
            Ok(record) => record,
            // The kill cut the last record short: its write never started (the layer writes the
            // record first), so there is nothing to undo for it.
            Err(Short) => break,
        };
        stats.records += 1;
        match record {
            Record::Write(path, undo) => pending.entry(path).or_default().push(undo),
            Record::Sync(path) | Record::Unlink(path) => {
                pending.remove(&path);
            }
            Record::Rename(from, to) => {
                // The target's own unsynced data went with the file it replaced.
                if !to.is_empty() {
                    pending.remove(&to);
                }
                if let Some(undo) = pending.remove(&from) {
                    if !to.is_empty() {
                        pending.insert(to, undo);
                    }
                }
            }
            Record::Unknown(kind, at) => {
                return Err(format!("unknown journal record {kind:#x} at byte {at}"))
            }
        }
    }
    for (path, undos) in pending {
        let file = match OpenOptions::new().write(true).open(&path) {
            Ok(f) => f,
            // Gone (e.g. renamed away to an untracked name): nothing to put back.
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(format!("cannot open {path} to undo: {e}")),
        };
        stats.files += 1;
        for u in undos.iter().rev() {
            file.set_len(u.old_size)
                .map_err(|e| format!("cannot resize {path}: {e}"))?;
            file.write_all_at(&u.old, u.offset)
                .map_err(|e| format!("cannot restore {path}: {e}"))?;
            stats.undone += 1;
            stats.bytes_restored += u.old.len() as u64;
        }
        file.sync_all()
            .map_err(|e| format!("cannot sync {path}: {e}"))?;
    }
    std::fs::write(journal, b"").map_err(|e| format!("cannot empty the journal: {e}"))?;
    Ok(stats)
}
