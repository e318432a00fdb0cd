"""How the worker confines itself before numpy or any submission code is imported.

:func:`apply_limits` sets the resource limits the grader asked for (memory, CPU, file
size, open files, processes, no core dumps) and reports what each one does on this host;
:func:`landlock` restricts the process's own file access, TCP and signals with Linux
Landlock, with no way back. Standalone and stdlib only (so numpy is not imported yet),
loaded by the worker script from its own folder; the grader asks :func:`landlock_abi`
what the kernel offers.
"""

from __future__ import annotations

import os
import sys

# ------------------------------------------------------------------------- limits


def _user_tasks(uid: int) -> int:
    """Processes and threads of ``uid`` now (RLIMIT_NPROC counts both), from /proc."""
    count = 0
    try:
        names = os.listdir("/proc")
    except OSError:
        return 0
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status", "rb") as status:
                fields = dict(
                    line.split(b":", 1) for line in status.read().splitlines() if b":" in line
                )
            if int(fields[b"Uid"].split()[0]) == uid:
                count += int(fields[b"Threads"])
        except (OSError, KeyError, ValueError):
            continue
    return count


def apply_limits(limits: dict) -> dict:
    """Apply the resource limits to this process; report what each one does here."""
    report: dict = {}
    try:
        import resource
    except ImportError:  # not a Unix
        return {"all": "not applied: no resource module on this platform"}

    def set_limit(key, which, soft, hard=None):
        hard = soft if hard is None else hard
        try:
            _, old_hard = resource.getrlimit(which)
            if old_hard != resource.RLIM_INFINITY:
                soft, hard = min(soft, old_hard), min(hard, old_hard)
            resource.setrlimit(which, (soft, hard))
            report[key] = soft
        except (ValueError, OSError) as err:
            report[key] = f"not applied: {err}"

    set_limit("core_bytes", resource.RLIMIT_CORE, 0)
    if limits.get("memory_bytes"):
        set_limit("memory_bytes", resource.RLIMIT_AS, int(limits["memory_bytes"]))
    if limits.get("cpu_seconds"):
        cpu = int(limits["cpu_seconds"])
        set_limit("cpu_seconds", resource.RLIMIT_CPU, cpu, cpu + 2)
    if limits.get("file_bytes"):
        set_limit("file_bytes", resource.RLIMIT_FSIZE, int(limits["file_bytes"]))
    if limits.get("open_files"):
        set_limit("open_files", resource.RLIMIT_NOFILE, int(limits["open_files"]))
    if limits.get("processes") and hasattr(resource, "RLIMIT_NPROC"):
        uid = os.getuid()
        set_limit("processes", resource.RLIMIT_NPROC, _user_tasks(uid) + int(limits["processes"]))
        if uid == 0:
            report["processes"] = "not enforced: the worker runs as root"
    if os.getuid() == 0:
        report["note"] = (
            "running as root: code under test could raise its own hard limits back "
            "(CAP_SYS_RESOURCE); use an unprivileged user or the sandbox for real isolation"
        )
    return report


# ----------------------------------------------------------------------- landlock
# Linux Landlock (ctypes, so this file stays stdlib-only): the process restricts its own
# file access, TCP (ABI >= 4) and signals / abstract sockets (ABI >= 6); inherited by
# every child, and no way back. Constants from <linux/landlock.h>.

_SYS_CREATE_RULESET, _SYS_ADD_RULE, _SYS_RESTRICT_SELF = 444, 445, 446  # all Linux arches
_PR_SET_NO_NEW_PRIVS = 38
_FS_EXECUTE, _FS_WRITE_FILE, _FS_READ_FILE, _FS_READ_DIR = 1, 2, 4, 8
_FS_FILE_RIGHTS = _FS_EXECUTE | _FS_WRITE_FILE | _FS_READ_FILE | 1 << 14 | 1 << 15
_FS_READ = _FS_EXECUTE | _FS_READ_FILE | _FS_READ_DIR


def _syscall(number: int, *args, name: str = "syscall") -> int:
    """libc's ``syscall(number, *args)`` (or the function ``name``); -errno on failure."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    function = getattr(libc, name)
    function.restype = ctypes.c_long
    result = function(*([ctypes.c_long(number)] if name == "syscall" else []), *args)
    return -ctypes.get_errno() if result < 0 else result


def landlock_abi() -> int:
    """The kernel's Landlock ABI version; 0 where there is none (old kernel, disabled)."""
    if not sys.platform.startswith("linux"):
        return 0
    try:
        return max(0, _syscall(_SYS_CREATE_RULESET, None, 0, 1))  # 1: ask for the version
    except (OSError, AttributeError):
        return 0


def landlock(read: list, write: list) -> str:
    """Allow only ``read`` (read, list, execute) and ``write`` (everything) from now on.

    Paths that do not exist are skipped. Raises OSError when Landlock is unavailable, so
    a worker that asked for it never runs unconfined.
    """
    import ctypes
    import stat

    abi = landlock_abi()
    if abi < 1:
        raise OSError("Landlock is not available in this kernel")
    handled = (1 << 13) - 1 | (1 << 13 if abi >= 2 else 0) | (1 << 14 if abi >= 3 else 0)
    handled |= 1 << 15 if abi >= 5 else 0
    net = 0b11 if abi >= 4 else 0  # bind and connect TCP: no rule allows any port
    scoped = 0b11 if abi >= 6 else 0  # abstract unix sockets, signals outside the domain
    attr = (ctypes.c_uint64 * 3)(handled, net, scoped)
    size = 8 * (1 if abi < 4 else 2 if abi < 6 else 3)

    class PathBeneath(ctypes.Structure):
        _pack_ = 1
        _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]

    def check(result: int, what: str) -> int:
        if result < 0:
            raise OSError(-result, f"Landlock {what}: {os.strerror(-result)}")
        return result

    ruleset = check(_syscall(_SYS_CREATE_RULESET, ctypes.byref(attr), size, 0), "ruleset")
    try:
        for paths, access in ((read, _FS_READ), (write, handled)):
            for path in paths:
                try:
                    fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
                except OSError:
                    continue
                try:
                    is_dir = stat.S_ISDIR(os.fstat(fd).st_mode)
                    rule = PathBeneath(access & (handled if is_dir else _FS_FILE_RIGHTS), fd)
                    check(_syscall(_SYS_ADD_RULE, ruleset, 1, ctypes.byref(rule), 0), path)
                finally:
                    os.close(fd)
        check(_syscall(0, _PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, name="prctl"), "no_new_privs")
        check(_syscall(_SYS_RESTRICT_SELF, ruleset, 0), "restrict_self")
    finally:
        os.close(ruleset)
    return (
        f"ABI {abi}: files" + (", no TCP" if net else "") + (", no signals out" if scoped else "")
    )
