"""Settings for the whole test run: nothing lands in the person's own ``data/`` folder.

The defaults (``DRILLBOT_DATA_DIR``, the SQLite file there when ``DATABASE_URL`` is empty) point
at a temporary folder for the whole session, so ``Settings()``, the command line and the
processes tests start (they inherit ``os.environ``) stay out of it; ``tests/user_data_guard.py``
fails any test that still writes there.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from tests import user_data_guard

sys.addaudithook(user_data_guard.guard)


@pytest.fixture(autouse=True, scope="session")
def _defaults_in_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DRILLBOT_DATA_DIR", str(tmp_path_factory.mktemp("data")))
        # Empty rather than unset: an empty value still beats a DATABASE_URL in the person's
        # .env (or exported for `make run`), and empty means "the default file in the data dir".
        env.setenv("DATABASE_URL", "")
        yield


@pytest.fixture(autouse=True)
def _nothing_written_into_user_data() -> Iterator[None]:
    """Name the test that wrote, even if it caught the guard's error and carried on."""
    before = len(user_data_guard.touched)
    yield
    new = user_data_guard.touched[before:]
    if new:
        del user_data_guard.touched[before:]
        pytest.fail(
            f"this test wrote into {user_data_guard.USER_DATA}: {new}; "
            "pass the test its own path (tmp_path) or rely on DRILLBOT_DATA_DIR",
            pytrace=False,
        )


def pytest_sessionfinish(session: pytest.Session) -> None:
    if user_data_guard.touched:  # outside any test: at import or collection time
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(
                f"wrote into {user_data_guard.USER_DATA}: {user_data_guard.touched}", red=True
            )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
