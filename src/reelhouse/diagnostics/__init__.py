"""`reelhouse doctor`'s checks: is this installation able to run, and if not, what to fix.

Each check says ok, warn (works, but worth a look), fail (something reelhouse needs is broken)
or skipped (nothing to check, or it could not be checked), with a line of detail. Checks never
raise for what they find: a broken part is a finding, not a traceback.
"""

from reelhouse.diagnostics.doctor import Doctor
from reelhouse.diagnostics.findings import Finding, Status

__all__ = ["Doctor", "Finding", "Status"]
