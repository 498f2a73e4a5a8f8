//! A fault-injecting SQLite VFS for the I/O-error and power-loss tests.
//!
//! [`install`] registers, once per test process, a VFS that wraps the
//! platform's default VFS and becomes the new default, so `Store::open`
//! (which names no VFS) goes through it. Files outside every live [`Disk`]
//! pass through untouched. A [`Disk`] covers one directory (a test's temp
//! dir), so tests in parallel threads do not see each other's faults.
//!
//! For the files of a `Disk` the VFS
//! * counts reads, writes, syncs and truncates, and fails the k-th one of a
//!   kind with its `SQLITE_IOERR_*` code ([`Disk::arm`]), once
//!   ([`Fault::Once`]) or as a power cut ([`Fault::PowerCut`]: that
//!   operation and every later write, sync, truncate and delete fail);
//! * models durability: per file, the content as of its last successful
//!   sync, plus the writes and truncates since. [`Disk::restore_power`]
//!   puts back on disk what survives a power loss: the synced content plus
//!   none ([`Cut::LoseAll`]) or a random subset, in order
//!   ([`Cut::Random`]), of the unsynced changes.
//!
//! The model: file existence and deletion are durable at once (SQLite only
//! deletes a WAL whose content is already checkpointed and synced); the
//! `-shm` file is not modelled (SQLite rebuilds it from the WAL when the
//! first connection opens the database after the cut); writes are atomic
//! (SQLite's unix VFS assumes powersafe overwrite, and the WAL checksums
//! cover torn frames anyway).

use libsqlite3_sys as ffi;
use std::collections::HashMap;
use std::ffi::{c_char, c_int, c_void, CStr};
use std::path::{Path, PathBuf};
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};

/// A kind of file operation that can be counted and failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// `xRead`.
    Read,
    /// `xWrite`.
    Write,
    /// `xSync` (fsync).
    Sync,
    /// `xTruncate`.
    Truncate,
}

impl Op {
    /// The extended error code SQLite expects when this operation fails.
    fn error_code(self) -> c_int {
        match self {
            Op::Read => ffi::SQLITE_IOERR_READ,
            Op::Write => ffi::SQLITE_IOERR_WRITE,
            Op::Sync => ffi::SQLITE_IOERR_FSYNC,
            Op::Truncate => ffi::SQLITE_IOERR_TRUNCATE,
        }
    }
}

/// What an armed fault does when it fires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The operation fails; later ones succeed (a transient I/O error).
    Once,
    /// The operation fails and the power goes: every later write, sync,
    /// truncate and delete fails too, until [`Disk::restore_power`].
    PowerCut,
}

/// What survives of the changes made since a file's last sync.
#[derive(Clone, Copy, Debug)]
pub enum Cut {
    /// Nothing: only synced content survives.
    LoseAll,
    /// Each change independently with probability 1/2, applied in order.
    Random(u64),
}

/// One change to a file that is not yet synced.
enum Change {
    Write { offset: u64, data: Vec<u8> },
    Truncate(u64),
}

impl Change {
    fn apply(&self, content: &mut Vec<u8>) {
        match self {
            Change::Write { offset, data } => {
                let start = *offset as usize;
                let end = start + data.len();
                if content.len() < end {
                    content.resize(end, 0);
                }
                content[start..end].copy_from_slice(data);
            }
            Change::Truncate(size) => content.resize(*size as usize, 0),
        }
    }
}

/// The durability model of one file.
struct FileLog {
    synced: Vec<u8>,
    unsynced: Vec<Change>,
}

#[derive(Default)]
struct State {
    /// Operations per kind since the last [`Disk::arm`].
    counts: HashMap<Op, u64>,
    armed: Option<(Op, u64, Fault)>,
    /// Where the armed fault fired: the file and offset.
    fired: Option<(String, i64)>,
    powered_off: bool,
    files: HashMap<String, FileLog>,
}

/// The files under one directory, as the VFS sees them.
pub struct Disk {
    dir: PathBuf,
    /// Syncs are recorded in the model but not passed to the real disk
    /// (the power-loss tests: the model, not the machine, decides what is
    /// durable, and real fsyncs would only cost time).
    fake_sync: bool,
    state: Mutex<State>,
}

/// Every live `Disk`; a file belongs to the first whose directory holds it.
static DISKS: Mutex<Vec<Weak<Disk>>> = Mutex::new(Vec::new());

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // No code holding these locks can panic halfway through an update that
    // matters; a poisoned lock is still consistent.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Disk {
    /// Puts the files under `dir` (canonical, existing) under the VFS's
    /// control, with no fault armed. Installs the VFS if needed.
    pub fn new(dir: &Path, fake_sync: bool) -> Arc<Disk> {
        install();
        let disk = Arc::new(Disk {
            dir: dir.canonicalize().expect("test dir exists"),
            fake_sync,
            state: Mutex::new(State::default()),
        });
        let mut disks = lock(&DISKS);
        disks.retain(|d| d.strong_count() > 0);
        disks.push(Arc::downgrade(&disk));
        disk
    }

    /// The canonical directory (build database paths from it: SQLite
    /// hands the VFS canonical paths).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Resets the counters and fails the `k`-th operation of kind `op`
    /// (counting from 1) on any file of this disk.
    pub fn arm(&self, op: Op, k: u64, fault: Fault) {
        let mut s = lock(&self.state);
        s.counts.clear();
        s.armed = Some((op, k, fault));
        s.fired = None;
    }

    /// Removes the armed fault (a power cut stays in force).
    pub fn disarm(&self) {
        lock(&self.state).armed = None;
    }

    /// Whether the armed fault has fired since [`Disk::arm`].
    pub fn fired(&self) -> bool {
        lock(&self.state).fired.is_some()
    }

    /// Where the armed fault fired: the file and the offset.
    pub fn fired_at(&self) -> Option<(String, i64)> {
        lock(&self.state).fired.clone()
    }

    /// Cuts the power now: every later write, sync, truncate and delete fails.
    pub fn power_off(&self) {
        lock(&self.state).powered_off = true;
    }

    /// Brings the power back: every file gets the content a power loss
    /// leaves (see [`Cut`]). Call it only once every connection to these
    /// files is closed (after the cut, their close could write nothing).
    pub fn restore_power(&self, cut: Cut) {
        let mut s = lock(&self.state);
        let mut rng = match cut {
            Cut::LoseAll => None,
            Cut::Random(seed) => Some(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1),
        };
        for (path, log) in s.files.iter_mut() {
            let mut content = std::mem::take(&mut log.synced);
            for change in log.unsynced.drain(..) {
                if let Some(x) = rng.as_mut() {
                    // xorshift64: a fair, seeded coin per change.
                    *x ^= *x << 13;
                    *x ^= *x >> 7;
                    *x ^= *x << 17;
                    if *x & 1 == 1 {
                        change.apply(&mut content);
                    }
                }
            }
            std::fs::write(path, &content).expect("restore a file after the cut");
            log.synced = content;
        }
        s.powered_off = false;
        s.armed = None;
        s.counts.clear();
    }

    /// Whether the operation may run; counts it, and fires the armed fault.
    fn check(&self, op: Op, path: &str, offset: i64) -> Result<(), c_int> {
        let mut s = lock(&self.state);
        if s.powered_off && op != Op::Read {
            return Err(op.error_code());
        }
        let n = {
            let n = s.counts.entry(op).or_insert(0);
            *n += 1;
            *n
        };
        if let Some((armed_op, k, fault)) = s.armed {
            if armed_op == op && k == n {
                s.fired = Some((path.to_string(), offset));
                if fault == Fault::PowerCut {
                    s.powered_off = true;
                }
                return Err(op.error_code());
            }
        }
        Ok(())
    }

    /// Starts the model of `path` on first sight, with its current content
    /// taken as durable (tests create a `Disk` before any file in it).
    fn track(&self, path: &str) {
        let mut s = lock(&self.state);
        s.files.entry(path.to_string()).or_insert_with(|| FileLog {
            synced: std::fs::read(path).unwrap_or_default(),
            unsynced: Vec::new(),
        });
    }

    fn record(&self, path: &str, change: Change) {
        if let Some(log) = lock(&self.state).files.get_mut(path) {
            log.unsynced.push(change);
        }
    }

    fn synced(&self, path: &str) {
        if let Some(log) = lock(&self.state).files.get_mut(path) {
            for change in log.unsynced.drain(..) {
                change.apply(&mut log.synced);
            }
        }
    }

    fn deleted(&self, path: &str) {
        lock(&self.state).files.remove(path);
    }
}

/// The disk whose directory holds `path`, if any.
fn disk_of(path: &str) -> Option<Arc<Disk>> {
    lock(&DISKS)
        .iter()
        .filter_map(Weak::upgrade)
        .find(|d| Path::new(path).starts_with(&d.dir))
}

// ---------------------------------------------------------------------------
// The VFS itself.

/// The wrapped VFS (the default one before ours was registered).
static INNER: AtomicPtr<ffi::sqlite3_vfs> = AtomicPtr::new(ptr::null_mut());

/// Registers the fault-injecting VFS as SQLite's default, once.
pub fn install() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        // SAFETY: sqlite3_initialize and sqlite3_vfs_find are thread-safe
        // (SQLite is built threadsafe); the VFS we copy stays registered
        // for the life of the process, so the pointer stays valid.
        let inner = unsafe {
            assert_eq!(ffi::sqlite3_initialize(), ffi::SQLITE_OK);
            ffi::sqlite3_vfs_find(ptr::null())
        };
        assert!(!inner.is_null(), "no default SQLite VFS");
        INNER.store(inner, Ordering::SeqCst);
        // SAFETY: `inner` is a valid, registered VFS; we copy it by value
        // and keep its pAppData and mxPathname, which its own methods use.
        let mut vfs: ffi::sqlite3_vfs = unsafe { *inner };
        // SAFETY: as above.
        let inner_size = unsafe { (*inner).szOsFile } as usize;
        vfs.szOsFile = (std::mem::size_of::<FaultFile>() + inner_size) as c_int;
        vfs.zName = c"pmsg-faulty".as_ptr();
        vfs.pNext = ptr::null_mut();
        vfs.xOpen = Some(x_open);
        vfs.xDelete = Some(x_delete);
        // Every other method is the inner one: they ignore the VFS pointer
        // but for pAppData and mxPathname, which the copy keeps.
        let vfs = Box::into_raw(Box::new(vfs));
        // SAFETY: `vfs` is a valid sqlite3_vfs leaked for the life of the
        // process, as sqlite3_vfs_register requires.
        let rc = unsafe { ffi::sqlite3_vfs_register(vfs, 1) };
        assert_eq!(rc, ffi::SQLITE_OK);
    });
}

fn inner_vfs() -> *mut ffi::sqlite3_vfs {
    INNER.load(Ordering::SeqCst)
}

/// Our `sqlite3_file`: SQLite allocates `szOsFile` bytes, this header
/// first, then the inner VFS's file object.
#[repr(C)]
struct FaultFile {
    /// Must be first: SQLite sees a `*mut sqlite3_file`.
    base: ffi::sqlite3_file,
    /// Owned (`Box`), freed by `x_close`.
    ctx: *mut FileCtx,
    /// Points just past this header, in the same allocation.
    inner: *mut ffi::sqlite3_file,
}

struct FileCtx {
    path: String,
    disk: Option<Arc<Disk>>,
}

/// The pieces of an open file.
///
/// # Safety
/// `file` must be a `FaultFile` opened by `x_open` with non-null methods
/// and not yet closed.
unsafe fn parts<'a>(
    file: *mut ffi::sqlite3_file,
) -> (
    &'a FileCtx,
    *mut ffi::sqlite3_file,
    &'a ffi::sqlite3_io_methods,
) {
    let f = file as *mut FaultFile;
    // SAFETY: per this function's contract, ctx and inner were set by
    // x_open and the inner file is open, so its pMethods is valid.
    unsafe { (&*(*f).ctx, (*f).inner, &*(*(*f).inner).pMethods) }
}

unsafe extern "C" fn x_open(
    _vfs: *mut ffi::sqlite3_vfs,
    name: ffi::sqlite3_filename,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    let f = file as *mut FaultFile;
    let inner_vfs = inner_vfs();
    // SAFETY: SQLite gives us `szOsFile` bytes at `file`, aligned for any
    // type; the inner file object lives right after our header.
    let inner = unsafe { (file as *mut u8).add(std::mem::size_of::<FaultFile>()) }
        as *mut ffi::sqlite3_file;
    let path = if name.is_null() {
        None // a temporary file: never ours
    } else {
        // SAFETY: a non-null name is a NUL-terminated string.
        Some(
            unsafe { CStr::from_ptr(name) }
                .to_string_lossy()
                .into_owned(),
        )
    };
    let disk = path.as_deref().and_then(disk_of);
    if let (Some(d), Some(p)) = (&disk, &path) {
        d.track(p);
    }
    // SAFETY: the inner VFS's xOpen with its own VFS pointer and a file
    // object of its szOsFile; the other arguments are SQLite's own.
    let rc = unsafe {
        (*inner).pMethods = ptr::null();
        ((*inner_vfs).xOpen.expect("xOpen"))(inner_vfs, name, inner, flags, out_flags)
    };
    // SAFETY: `inner` was just initialised by the inner xOpen.
    let inner_methods = unsafe { (*inner).pMethods };
    if inner_methods.is_null() {
        // Nothing to close: SQLite will not call xClose either.
        // SAFETY: writing our own header.
        unsafe { (*f).base.pMethods = ptr::null() };
        return rc;
    }
    let ctx = Box::into_raw(Box::new(FileCtx {
        path: path.unwrap_or_default(),
        disk,
    }));
    // Offer what the inner file offers, up to version 2: version 3 adds
    // xFetch/xUnfetch (memory-mapped reads), which would bypass xRead and
    // the read faults; without them SQLite reads through xRead.
    // SAFETY: inner_methods is valid (checked non-null above).
    let methods: &'static ffi::sqlite3_io_methods = if unsafe { (*inner_methods).iVersion } >= 2 {
        &METHODS_V2
    } else {
        &METHODS_V1
    };
    // SAFETY: initialising our header in SQLite's allocation (the inner
    // file may have failed to open but still want its xClose: then so do we).
    unsafe {
        ptr::write(
            f,
            FaultFile {
                base: ffi::sqlite3_file { pMethods: methods },
                ctx,
                inner,
            },
        );
    }
    rc
}

unsafe extern "C" fn x_delete(
    _vfs: *mut ffi::sqlite3_vfs,
    name: *const c_char,
    sync_dir: c_int,
) -> c_int {
    let inner_vfs = inner_vfs();
    // SAFETY: SQLite passes a NUL-terminated path.
    let path = unsafe { CStr::from_ptr(name) }
        .to_string_lossy()
        .into_owned();
    let disk = disk_of(&path);
    if let Some(d) = &disk {
        if lock(&d.state).powered_off {
            return ffi::SQLITE_IOERR_DELETE;
        }
    }
    // SAFETY: the inner VFS's xDelete with its own VFS pointer.
    let rc = unsafe { ((*inner_vfs).xDelete.expect("xDelete"))(inner_vfs, name, sync_dir) };
    if rc == ffi::SQLITE_OK {
        if let Some(d) = &disk {
            d.deleted(&path);
        }
    }
    rc
}

unsafe extern "C" fn x_close(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: SQLite closes only files x_open opened with methods.
    let (_, inner, m) = unsafe { parts(file) };
    // SAFETY: delegating to the open inner file.
    let rc = unsafe { m.xClose.expect("xClose")(inner) };
    let f = file as *mut FaultFile;
    // SAFETY: ctx came from Box::into_raw in x_open and is freed only here;
    // SQLite never uses a file after xClose.
    unsafe {
        drop(Box::from_raw((*f).ctx));
        (*f).ctx = ptr::null_mut();
        (*f).base.pMethods = ptr::null();
    }
    rc
}

unsafe extern "C" fn x_read(
    file: *mut ffi::sqlite3_file,
    buf: *mut c_void,
    amount: c_int,
    offset: ffi::sqlite3_int64,
) -> c_int {
    // SAFETY: an open FaultFile (SQLite's contract for io methods).
    let (ctx, inner, m) = unsafe { parts(file) };
    if let Some(d) = &ctx.disk {
        if let Err(code) = d.check(Op::Read, &ctx.path, offset) {
            return code;
        }
    }
    // SAFETY: delegating with SQLite's own buffer and sizes.
    unsafe { m.xRead.expect("xRead")(inner, buf, amount, offset) }
}

unsafe extern "C" fn x_write(
    file: *mut ffi::sqlite3_file,
    buf: *const c_void,
    amount: c_int,
    offset: ffi::sqlite3_int64,
) -> c_int {
    // SAFETY: an open FaultFile.
    let (ctx, inner, m) = unsafe { parts(file) };
    if let Some(d) = &ctx.disk {
        if let Err(code) = d.check(Op::Write, &ctx.path, offset) {
            return code;
        }
    }
    // SAFETY: delegating with SQLite's own buffer and sizes.
    let rc = unsafe { m.xWrite.expect("xWrite")(inner, buf, amount, offset) };
    if rc == ffi::SQLITE_OK {
        if let Some(d) = &ctx.disk {
            // SAFETY: SQLite's buffer holds `amount` bytes.
            let data = unsafe { std::slice::from_raw_parts(buf as *const u8, amount as usize) };
            d.record(
                &ctx.path,
                Change::Write {
                    offset: offset as u64,
                    data: data.to_vec(),
                },
            );
        }
    }
    rc
}

unsafe extern "C" fn x_truncate(file: *mut ffi::sqlite3_file, size: ffi::sqlite3_int64) -> c_int {
    // SAFETY: an open FaultFile.
    let (ctx, inner, m) = unsafe { parts(file) };
    if let Some(d) = &ctx.disk {
        if let Err(code) = d.check(Op::Truncate, &ctx.path, size) {
            return code;
        }
    }
    // SAFETY: delegating.
    let rc = unsafe { m.xTruncate.expect("xTruncate")(inner, size) };
    if rc == ffi::SQLITE_OK {
        if let Some(d) = &ctx.disk {
            d.record(&ctx.path, Change::Truncate(size as u64));
        }
    }
    rc
}

unsafe extern "C" fn x_sync(file: *mut ffi::sqlite3_file, flags: c_int) -> c_int {
    // SAFETY: an open FaultFile.
    let (ctx, inner, m) = unsafe { parts(file) };
    let Some(d) = &ctx.disk else {
        // SAFETY: delegating.
        return unsafe { m.xSync.expect("xSync")(inner, flags) };
    };
    if let Err(code) = d.check(Op::Sync, &ctx.path, 0) {
        return code;
    }
    let rc = if d.fake_sync {
        ffi::SQLITE_OK
    } else {
        // SAFETY: delegating.
        unsafe { m.xSync.expect("xSync")(inner, flags) }
    };
    if rc == ffi::SQLITE_OK {
        d.synced(&ctx.path);
    }
    rc
}

unsafe extern "C" fn x_file_size(
    file: *mut ffi::sqlite3_file,
    size: *mut ffi::sqlite3_int64,
) -> c_int {
    // SAFETY: an open FaultFile; delegating.
    unsafe {
        let (_, inner, m) = parts(file);
        m.xFileSize.expect("xFileSize")(inner, size)
    }
}

unsafe extern "C" fn x_lock(file: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    // SAFETY: an open FaultFile; delegating.
    unsafe {
        let (_, inner, m) = parts(file);
        m.xLock.expect("xLock")(inner, level)
    }
}

unsafe extern "C" fn x_unlock(file: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    // SAFETY: an open FaultFile; delegating.
    unsafe {
        let (_, inner, m) = parts(file);
        m.xUnlock.expect("xUnlock")(inner, level)
    }
}

unsafe extern "C" fn x_check_reserved_lock(file: *mut ffi::sqlite3_file, out: *mut c_int) -> c_int {
    // SAFETY: an open FaultFile; delegating.
    unsafe {
        let (_, inner, m) = parts(file);
        m.xCheckReservedLock.expect("xCheckReservedLock")(inner, out)
    }
}

unsafe extern "C" fn x_file_control(
    file: *mut ffi::sqlite3_file,
    op: c_int,
    arg: *mut c_void,
) -> c_int {
    // SAFETY: an open FaultFile; delegating. (No file control of the unix
    // VFS writes file content unless SQLITE_FCNTL_CHUNK_SIZE was set,
    // which pmsg never does.)
    unsafe {
        let (_, inner, m) = parts(file);
        m.xFileControl.expect("xFileControl")(inner, op, arg)
    }
}

unsafe extern "C" fn x_sector_size(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: an open FaultFile; delegating.
    unsafe {
        let (_, inner, m) = parts(file);
        m.xSectorSize.expect("xSectorSize")(inner)
    }
}

unsafe extern "C" fn x_device_characteristics(file: *mut ffi::sqlite3_file) -> c_int {
    // SAFETY: an open FaultFile; delegating.
    unsafe {
        let (_, inner, m) = parts(file);
        m.xDeviceCharacteristics.expect("xDeviceCharacteristics")(inner)
    }
}

// The WAL shared-memory methods (io methods version 2). The -shm file is
// mapped memory, not modelled: delegated as is.

unsafe extern "C" fn x_shm_map(
    file: *mut ffi::sqlite3_file,
    page: c_int,
    page_size: c_int,
    extend: c_int,
    out: *mut *mut c_void,
) -> c_int {
    // SAFETY: an open FaultFile whose inner methods are version >= 2
    // (METHODS_V2 is used only then); delegating.
    unsafe {
        let (_, inner, m) = parts(file);
        m.xShmMap.expect("xShmMap")(inner, page, page_size, extend, out)
    }
}

unsafe extern "C" fn x_shm_lock(
    file: *mut ffi::sqlite3_file,
    offset: c_int,
    n: c_int,
    flags: c_int,
) -> c_int {
    // SAFETY: as x_shm_map.
    unsafe {
        let (_, inner, m) = parts(file);
        m.xShmLock.expect("xShmLock")(inner, offset, n, flags)
    }
}

unsafe extern "C" fn x_shm_barrier(file: *mut ffi::sqlite3_file) {
    // SAFETY: as x_shm_map.
    unsafe {
        let (_, inner, m) = parts(file);
        m.xShmBarrier.expect("xShmBarrier")(inner)
    }
}

unsafe extern "C" fn x_shm_unmap(file: *mut ffi::sqlite3_file, delete: c_int) -> c_int {
    // SAFETY: as x_shm_map.
    unsafe {
        let (_, inner, m) = parts(file);
        m.xShmUnmap.expect("xShmUnmap")(inner, delete)
    }
}

/// For inner files of io methods version 1 (no shared memory: no WAL).
static METHODS_V1: ffi::sqlite3_io_methods = ffi::sqlite3_io_methods {
    iVersion: 1,
    xClose: Some(x_close),
    xRead: Some(x_read),
    xWrite: Some(x_write),
    xTruncate: Some(x_truncate),
    xSync: Some(x_sync),
    xFileSize: Some(x_file_size),
    xLock: Some(x_lock),
    xUnlock: Some(x_unlock),
    xCheckReservedLock: Some(x_check_reserved_lock),
    xFileControl: Some(x_file_control),
    xSectorSize: Some(x_sector_size),
    xDeviceCharacteristics: Some(x_device_characteristics),
    xShmMap: None,
    xShmLock: None,
    xShmBarrier: None,
    xShmUnmap: None,
    xFetch: None,
    xUnfetch: None,
};

/// For inner files of version 2 or more: adds shared memory (WAL).
static METHODS_V2: ffi::sqlite3_io_methods = ffi::sqlite3_io_methods {
    iVersion: 2,
    xShmMap: Some(x_shm_map),
    xShmLock: Some(x_shm_lock),
    xShmBarrier: Some(x_shm_barrier),
    xShmUnmap: Some(x_shm_unmap),
    ..METHODS_V1
};
