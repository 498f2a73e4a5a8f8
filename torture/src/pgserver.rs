//! Killing and restarting a PostgreSQL server the way a crash does: every
//! process of the cluster gets SIGKILL (the postmaster first, so that it
//! forks nothing more, then each backend and auxiliary process), and
//! `pg_ctl restart` starts it again with the options it last ran with
//! (`postmaster.opts`), after crash recovery.
//!
//! The processes of the cluster are found as those whose working folder is
//! its data folder (every PostgreSQL process `chdir`s there), which needs
//! the same user or root. When we are root, `pg_ctl` runs as the data
//! folder's owner (PostgreSQL refuses root).

use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// A cluster: its data folder and the folder of its `pg_ctl`.
#[derive(Debug, Clone)]
pub struct Cluster {
    /// The data folder (`PMSG_TEST_PG_DATA`).
    pub data: PathBuf,
    /// The server's bin folder (`PMSG_TEST_PG_BIN`).
    pub bin: PathBuf,
}

/// What a kill did.
#[derive(Debug, Clone, Default)]
pub struct Killed {
    /// The postmaster's pid.
    pub postmaster: i32,
    /// Processes killed in all (the postmaster included).
    pub processes: usize,
}

impl Cluster {
    /// The postmaster's pid, from `postmaster.pid`.
    pub fn postmaster_pid(&self) -> Result<i32, String> {
        let file = self.data.join("postmaster.pid");
        let text = std::fs::read_to_string(&file)
            .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        text.lines()
            .next()
            .and_then(|l| l.trim().parse().ok())
            .ok_or_else(|| format!("{} has no pid", file.display()))
    }

    /// SIGKILL to the postmaster, then to every other process of the
    /// cluster until none is left (at most 10 s).
    pub fn kill(&self) -> Result<Killed, String> {
        let postmaster = self.postmaster_pid()?;
        if !alive(postmaster) {
            return Err(format!("the postmaster (pid {postmaster}) is not running"));
        }
        // SAFETY: kill(2) with a pid read from postmaster.pid; no memory is
        // involved.
        if unsafe { libc::kill(postmaster, libc::SIGKILL) } != 0 {
            return Err(format!(
                "kill -9 {postmaster}: {}",
                std::io::Error::last_os_error()
            ));
        }
        let mut killed = Killed {
            postmaster,
            processes: 1,
        };
        let data = self
            .data
            .canonicalize()
            .map_err(|e| format!("{}: {e}", self.data.display()))?;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let left = processes_in(&data);
            if left.is_empty() && !alive(postmaster) {
                break;
            }
            for pid in left {
                // SAFETY: as above.
                if unsafe { libc::kill(pid, libc::SIGKILL) } == 0 && pid != postmaster {
                    killed.processes += 1;
                }
            }
            if Instant::now() > deadline {
                return Err("processes of the cluster survived SIGKILL for 10 s".into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        // The killed postmaster is a zombie until its parent (init, as a
        // rule) reaps it, and a zombie's pid looks alive to `pg_ctl` and to
        // the new postmaster's lock-file checks. Wait for the reaping; if
        // it does not come, its lock files are stale, as after a reboot.
        let deadline = Instant::now() + Duration::from_secs(5);
        while zombie(postmaster) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        if zombie(postmaster) {
            self.remove_lock_files();
        }
        Ok(killed)
    }

    /// Removes `postmaster.pid` and the lock file of the socket it names
    /// (its lines 4 and 5: port and first socket folder).
    fn remove_lock_files(&self) {
        let pid_file = self.data.join("postmaster.pid");
        let text = std::fs::read_to_string(&pid_file).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        if let (Some(port), Some(dir)) = (lines.get(3), lines.get(4)) {
            if !dir.trim().is_empty() {
                let lock = Path::new(dir.trim()).join(format!(".s.PGSQL.{}.lock", port.trim()));
                let _ = std::fs::remove_file(lock);
            }
        }
        let _ = std::fs::remove_file(pid_file);
    }

    /// `pg_ctl restart` (the options of `postmaster.opts`), waiting until
    /// the server accepts connections; its log goes to `server.log` beside
    /// the data folder when there is one (as `scripts/with-postgres`
    /// starts it), else into the data folder.
    pub fn restart(&self) -> Result<Duration, String> {
        let started = Instant::now();
        let beside = self.data.parent().map(|p| p.join("server.log"));
        let log = match beside {
            Some(p) if p.exists() => p,
            _ => self.data.join("pmsg-torture-server.log"),
        };
        let mut cmd = Command::new(self.bin.join("pg_ctl"));
        cmd.arg("restart")
            .arg("-D")
            .arg(&self.data)
            .args(["-w", "-t", "120", "-m", "immediate", "-l"])
            .arg(&log)
            .stdin(std::process::Stdio::null());
        // SAFETY: geteuid(2) has no preconditions.
        if unsafe { libc::geteuid() } == 0 {
            let meta = std::fs::metadata(&self.data)
                .map_err(|e| format!("{}: {e}", self.data.display()))?;
            if meta.uid() != 0 {
                cmd.uid(meta.uid()).gid(meta.gid());
            }
        }
        let out = cmd
            .output()
            .map_err(|e| format!("cannot run {}: {e}", self.bin.join("pg_ctl").display()))?;
        if !out.status.success() {
            let tail: Vec<String> = std::fs::read_to_string(&log)
                .unwrap_or_default()
                .lines()
                .rev()
                .take(10)
                .map(str::to_string)
                .collect();
            return Err(format!(
                "pg_ctl restart failed ({}): {}{}; server log: {}",
                out.status,
                String::from_utf8_lossy(&out.stdout).trim(),
                String::from_utf8_lossy(&out.stderr).trim(),
                tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
            ));
        }
        Ok(started.elapsed())
    }
}

/// Whether `pid` is a live process (not gone, not a zombie).
fn alive(pid: i32) -> bool {
    // SAFETY: kill(2) with signal 0 only checks the pid.
    let exists = unsafe { libc::kill(pid, 0) } == 0
        || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
    exists && !zombie(pid)
}

/// Whether `pid` is a zombie (state `Z` in `/proc/PID/stat`).
fn zombie(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rfind(')')
                .and_then(|i| s[i + 1..].split_whitespace().next().map(|st| st == "Z"))
        })
        .unwrap_or(false)
}

/// The live processes whose working folder is `dir`.
fn processes_in(dir: &Path) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            std::fs::read_link(format!("/proc/{pid}/cwd")).is_ok_and(|cwd| cwd == dir)
                && !zombie(*pid)
        })
        .collect()
}
