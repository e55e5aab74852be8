"""A private cupsd for tests, with a fake printer backend.

:class:`CupsServer` runs ``cupsd -f`` as a child process in a throw-away
directory: its own ServerRoot, RequestRoot, ServerBin, cache, state and logs,
listening only on a local socket in that directory, with browsing and DNS-SD
off. The system's cupsd and its configuration are never touched.

The ServerBin holds the system's daemons and filters (symlinks) and one
backend of our own, ``kioskfake``. For a job it reads the control file
(:meth:`CupsServer.set_fault`) and either copies the document to
``out/job-<id>.prn`` or reports a fault the way a real backend does: a
``STATE: +…`` line on stderr and exit status 4 (stop the queue). cupsd runs
only backends owned by root and writable by nobody else, and runs one as root
when its mode is 0700, which lets it write into our private directory.

Running cupsd needs root (it changes to user lp for filters); the tests skip
without it, and fail in CI.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import cups

__all__ = ["FAULTS", "CupsServer", "can_run_cupsd", "wait_for"]

SYSTEM_SERVER_BIN = Path("/usr/lib/cups")
BACKEND = "kioskfake"
#: What the fake backend may be told to do with the next job.
FAULTS = ("ok", "media-empty", "jam", "toner-low")

_BACKEND_SCRIPT = """\
#!/bin/sh
# Fake printer for the tests: see tests/devices/cups_harness.py.
if [ $# -eq 0 ]; then
  echo 'direct {backend} "Unknown" "Kiosk fake printer"'
  exit 0
fi
case "$(cat '{control}' 2>/dev/null)" in
  media-empty) echo "STATE: +media-empty-error" >&2
               echo "ERROR: out of paper" >&2; exit 4 ;;
  jam) echo "STATE: +media-jam-error" >&2
       echo "ERROR: paper jam" >&2; exit 4 ;;
  toner-low) echo "STATE: +toner-low-report" >&2 ;;
  *) echo "STATE: -media-empty-error,media-jam-error,toner-low-report" >&2 ;;
esac
if [ $# -ge 6 ]; then cat "$6"; else cat; fi > '{out}/job-'"$1"'.prn'
"""

_CUPSD_CONF = """\
Listen {socket}
Browsing No
BrowseLocalProtocols none
DefaultAuthType None
WebInterface No
LogLevel info
MaxLogSize 0
# As on the kiosks (deploy/): no copy of a printed document stays in the
# spool; a job's state (its title holds no personal data) is kept five
# minutes, long enough for the agent to read how the job ended.
PreserveJobFiles No
PreserveJobHistory 300
<Location />
  Order allow,deny
  Allow all
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
"""

_CUPS_FILES_CONF = """\
ServerRoot {root}/conf
RequestRoot {root}/spool
TempDir {root}/spool/tmp
ServerBin {root}/serverbin
CacheDir {root}/cache
StateDir {root}/state
AccessLog {root}/log/access_log
ErrorLog {root}/log/error_log
PageLog {root}/log/page_log
FileDevice No
"""


class CupsServer:
    """One cupsd in its own directory; :meth:`start` it, :meth:`stop` it."""

    def __init__(self) -> None:
        # A short path: a Unix socket path must fit in 108 bytes.
        self.root = Path(tempfile.mkdtemp(prefix="miaopi-cups-", dir="/tmp"))
        self.socket = self.root / "cups.sock"
        self.out = self.root / "out"
        self.control = self.root / "control"
        self.process: subprocess.Popen[bytes] | None = None
        self._stderr: BinaryIO | None = None

    # ------------------------------------------------------------ lifecycle

    def start(self, timeout: float = 15.0) -> None:
        self._lay_out()
        self._stderr = open(self.root / "log/cupsd.stderr", "wb")
        self.process = subprocess.Popen(
            [
                shutil.which("cupsd") or "cupsd",
                "-f",
                "-c",
                str(self.root / "conf/cupsd.conf"),
                "-s",
                str(self.root / "conf/cups-files.conf"),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
            preexec_fn=_die_with_parent,
        )
        wait_for(self._answers, timeout, self._failure_report)

    def stop(self) -> None:
        """Stop cupsd (by its PID) and remove its directory."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._stderr is not None:
            self._stderr.close()
        shutil.rmtree(self.root, ignore_errors=True)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    # --------------------------------------------------------------- queues

    def add_queue(self, name: str) -> None:
        """A raw queue on the fake backend: documents reach it unchanged."""
        subprocess.run(
            [
                shutil.which("lpadmin") or "lpadmin",
                "-h",
                str(self.socket),
                "-p",
                name,
                "-E",
                "-v",
                f"{BACKEND}:/{name}",
                "-m",
                "raw",
            ],
            check=True,
            capture_output=True,
        )

    def set_fault(self, fault: str) -> None:
        """What the fake printer does with the jobs that follow."""
        assert fault in FAULTS, fault
        self.control.write_text(fault)

    def output(self, job_id: str) -> Path:
        """Where the fake printer wrote job ``job_id``."""
        return self.out / f"job-{job_id}.prn"

    def connection(self) -> cups.Connection:
        return cups.Connection(host=str(self.socket))

    def log_tail(self, lines: int = 30) -> str:
        path = self.root / "log/error_log"
        if not path.exists():
            return "(no error_log)"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    # -------------------------------------------------------------- helpers

    def _lay_out(self) -> None:
        root = self.root
        for sub in ("conf", "spool/tmp", "cache", "state", "log", "out"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        server_bin = root / "serverbin"
        (server_bin / "backend").mkdir(parents=True)
        for sub in ("daemon", "filter", "driver", "monitor", "notifier"):
            if (SYSTEM_SERVER_BIN / sub).is_dir():
                (server_bin / sub).symlink_to(SYSTEM_SERVER_BIN / sub)
        backend = server_bin / "backend" / BACKEND
        backend.write_text(
            _BACKEND_SCRIPT.format(backend=BACKEND, control=self.control, out=self.out)
        )
        # cupsd checks the backend and the directories above it: owned by
        # root, writable only by the owner, whatever the umask was.
        for path in (root, server_bin, server_bin / "backend"):
            path.chmod(0o755)
        backend.chmod(0o700)  # 0700: cupsd runs it as root
        (root / "conf/cupsd.conf").write_text(_CUPSD_CONF.format(socket=self.socket))
        (root / "conf/cups-files.conf").write_text(_CUPS_FILES_CONF.format(root=root))
        self.set_fault("ok")

    def _answers(self) -> bool:
        if not self.running:
            raise RuntimeError(self._failure_report())
        try:
            self.connection().getPrinters()
        except (RuntimeError, cups.IPPError):
            return False
        return True

    def _failure_report(self) -> str:
        stderr = self.root / "log/cupsd.stderr"
        text = stderr.read_text(errors="replace") if stderr.exists() else ""
        return f"cupsd did not start:\n{text}\n{self.log_tail()}"


def wait_for(
    condition: Callable[[], bool],
    timeout: float = 15.0,
    describe: Callable[[], str] | None = None,
) -> None:
    """Poll ``condition`` until it holds.

    :raise TimeoutError: it did not hold within ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(describe() if describe else "condition not met")
        time.sleep(0.1)


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the test process dies, so that no cupsd
    outlives a killed test run (Linux ``PR_SET_PDEATHSIG``)."""
    pr_set_pdeathsig = 1
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


def can_run_cupsd() -> str | None:
    """Why cupsd cannot run here, or ``None`` when it can."""
    if os.geteuid() != 0:
        return "the cupsd test rig needs root (cupsd switches to user lp)"
    if not SYSTEM_SERVER_BIN.joinpath("daemon/cups-exec").exists():
        return "/usr/lib/cups/daemon/cups-exec is missing (Debian package cups)"
    return None
