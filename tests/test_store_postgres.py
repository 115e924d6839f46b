"""The PostgreSQL store's own edges: where the URL comes from, its password never shown, every
wrong URL one sentence and exit 2 with nothing lost, the advisory lock across connections and
processes, and two first runs migrating one empty database at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import BASE, lexical_demo
from conftest import DEMO_ENV as ENV
from pgserver import PASSWORD, PgServer
from triagewise.cli import main
from triagewise.errors import ConfigError, LockedError, StoreError, StoreUnreachableError
from triagewise.sandbox import build_sandbox
from triagewise.store import SCHEMA_VERSION, DatabaseUrl, Store, locate, store_lock
from triagewise.store.postgres import mask

# -- without a server: the URL, where it comes from, its password --------------------------


def test_a_password_is_masked_wherever_a_url_is_shown() -> None:
    assert mask("postgresql://ana:s3cret@db.example:5432/triage") == (
        "postgresql://ana:***@db.example:5432/triage"
    )
    assert (
        mask("see postgres://u:p%40ss@h/d?sslmode=require")
        == "see postgres://u:***@h/d?sslmode=require"
    )
    assert (
        mask("postgresql://h/d?user=u&password=hunter22") == "postgresql://h/d?user=u&password=***"
    )
    assert mask("postgresql://ana@h/d") == "postgresql://ana@h/d"  # nothing to hide
    url = DatabaseUrl.parse("postgresql://ana:s3cret@db/triage", "TRIAGEWISE_DATABASE_URL")
    assert str(url) == "postgresql://ana:***@db/triage" and "s3cret" not in f"{url}"
    assert url.hide("FATAL: something about s3cret") == "FATAL: something about ***"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (
            "mysql://ana:s3cret@db/triage",
            "which is not a PostgreSQL URL; it must start with postgresql://",
        ),
        ("postgresql://ana:s3cret@db:port/triage", "which is not a valid URL"),
        ("/var/lib/triage.db", "which is not a PostgreSQL URL"),
    ],
)
def test_a_url_that_is_not_postgresql_is_one_sentence(text: str, words: str) -> None:
    with pytest.raises(StoreError) as info:
        DatabaseUrl.parse(text, "TRIAGEWISE_DATABASE_URL")
    message = str(info.value)
    assert message.startswith("TRIAGEWISE_DATABASE_URL holds ") and words in message
    assert "s3cret" not in message and "\n" not in message


def test_where_the_store_lives(tmp_path: Path) -> None:
    config = tmp_path / "triagewise.toml"
    url = "postgresql://ana:pw@db/triage"
    default = tmp_path / ".triagewise" / "triagewise.db"
    assert locate(None, config, None, {}) == default
    assert locate(None, config, None, {"TRIAGEWISE_DATABASE_URL": url}) == DatabaseUrl(
        url, "TRIAGEWISE_DATABASE_URL"
    )
    assert locate(None, config, "TEAM_DB", {"TEAM_DB": url}) == DatabaseUrl(url, "TEAM_DB")
    # --db wins over the environment, as a path or as a URL
    assert locate(str(tmp_path / "x.db"), config, None, {"TRIAGEWISE_DATABASE_URL": url}) == (
        tmp_path / "x.db"
    )
    assert locate(url, config, None, {}) == DatabaseUrl(url, "--db")
    with pytest.raises(ConfigError, match=r"store\.url_env names TEAM_DB, which is not set"):
        locate(None, config, "TEAM_DB", {"TRIAGEWISE_DATABASE_URL": url})


# -- against the real server -----------------------------------------------------------------


@pytest.fixture
def pg_url(pg_server: PgServer) -> DatabaseUrl:
    return DatabaseUrl.parse(pg_server.fresh_database(), "TRIAGEWISE_DATABASE_URL")


@pytest.mark.slow
def test_the_lock_holds_across_connections_and_names_its_holder(pg_url: DatabaseUrl) -> None:
    with store_lock(pg_url):
        with pytest.raises(LockedError) as info, store_lock(pg_url):
            pass  # pragma: no cover
        message = str(info.value)
        assert message.startswith(f"Another triagewise sync or apply is running on {pg_url} ")
        assert f"(pid {os.getpid()} on " in message and PASSWORD not in message
        assert message.endswith("this run stops without touching anything.")
    with store_lock(pg_url):  # released with its session
        pass


@pytest.mark.slow
def test_a_second_run_waits_for_the_lock_when_asked(pg_url: DatabaseUrl) -> None:
    held = threading.Event()

    def hold() -> None:
        with store_lock(pg_url):
            held.set()
            time.sleep(1.0)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    started = time.monotonic()
    with pytest.raises(LockedError, match=r"after waiting 0\.3 s"), store_lock(pg_url, wait=0.3):
        pass  # pragma: no cover
    with store_lock(pg_url, wait=10):
        assert time.monotonic() - started >= 0.5
    holder.join()


@pytest.mark.slow
def test_each_database_has_its_own_lock(pg_server: PgServer) -> None:
    one = DatabaseUrl.parse(pg_server.fresh_database(), "a")
    two = DatabaseUrl.parse(pg_server.fresh_database(), "b")
    with store_lock(one), store_lock(two):
        pass


@pytest.mark.slow
def test_a_holder_killed_9_lets_go_of_the_lock(pg_url: DatabaseUrl) -> None:
    script = (
        "import sys, time\n"
        "from triagewise.store import DatabaseUrl, store_lock\n"
        "with store_lock(DatabaseUrl.parse(sys.argv[1], 'x')):\n"
        "    print('held', flush=True)\n"
        "    time.sleep(60)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", script, pg_url.url], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    with pytest.raises(LockedError, match=f"pid {holder.pid} on "), store_lock(pg_url):
        pass  # pragma: no cover
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    with store_lock(pg_url, wait=10):  # the server ends the dead session and its lock
        pass


@pytest.mark.slow
def test_two_first_runs_migrate_one_empty_database_once(pg_url: DatabaseUrl) -> None:
    errors: list[BaseException] = []
    versions: list[int] = []

    def open_it() -> None:
        try:
            with Store.open(pg_url) as store:
                versions.append(store.schema_version)
        except BaseException as exc:  # pragma: no cover - the failure is the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and versions == [SCHEMA_VERSION] * 4


@pytest.mark.slow
def test_a_connection_lost_mid_run_is_one_sentence(
    pg_server: PgServer, pg_url: DatabaseUrl
) -> None:
    with Store.open(pg_url) as store:
        pg_server.admin(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            f" WHERE datname = '{pg_url.url.rsplit('/', 1)[1]}' AND pid <> pg_backend_pid()"
        )
        with pytest.raises(StoreUnreachableError) as info:
            store.count_issues("app")
    message = str(info.value)
    assert message.startswith(f"The connection to PostgreSQL at {pg_url} was lost")
    assert PASSWORD not in message and "\n" not in message


def _url(server: PgServer, database: str, **parts: str) -> str:
    port = parts.get("port", str(server.port))
    auth = parts.get("auth", f"tw:{PASSWORD}")
    return f"{parts.get('scheme', 'postgresql')}://{auth}@127.0.0.1:{port}/{database}"


BadUrl = Callable[[PgServer, str], dict[str, str]]
BAD: list[tuple[str, BadUrl, str, type[Exception]]] = [
    (
        "unreachable",
        lambda s, d: {"TRIAGEWISE_DATABASE_URL": _url(s, d, port="1")},
        "PostgreSQL at postgresql://tw:***@127.0.0.1:1/{db} cannot be reached (Connection refused)",
        StoreUnreachableError,
    ),
    (
        "wrong scheme",
        lambda s, d: {"TRIAGEWISE_DATABASE_URL": _url(s, d, scheme="mysql")},
        "TRIAGEWISE_DATABASE_URL holds 'mysql://tw:***@127.0.0.1:",
        StoreError,
    ),
    (
        "port that is not a number",
        lambda s, d: {"TRIAGEWISE_DATABASE_URL": _url(s, d, port="pgport")},
        "which is not a valid URL",
        StoreError,
    ),
    (
        "wrong password",
        lambda s, d: {"TRIAGEWISE_DATABASE_URL": _url(s, d, auth="tw:not-the-password")},
        "refused the password for tw; check the password in TRIAGEWISE_DATABASE_URL.",
        StoreError,
    ),
    (
        "missing password",
        lambda s, d: {"TRIAGEWISE_DATABASE_URL": _url(s, d, auth="tw")},
        "asks for a password and TRIAGEWISE_DATABASE_URL gives none",
        StoreError,
    ),
    (
        "no such database",
        lambda s, d: {"TRIAGEWISE_DATABASE_URL": _url(s, "nosuchdb")},
        'refused the connection: database "nosuchdb" does not exist.',
        StoreError,
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "make", "words", "kind"), BAD, ids=[case[0] for case in BAD])
@pytest.mark.parametrize("how", ["env", "--db"])
def test_a_wrong_database_url_is_one_sentence_and_loses_nothing(
    pg_server: PgServer,
    tmp_path: Path,
    name: str,
    make: BadUrl,
    words: str,
    kind: type[Exception],
    how: str,
) -> None:
    good = pg_server.fresh_database()
    database = good.rsplit("/", 1)[1]
    server, _ = build_sandbox(base=BASE)
    with server:
        config = tmp_path / "triagewise.toml"
        config.write_text(lexical_demo(server.url))
        base_env = {
            **ENV,
            "TRIAGEWISE_DATABASE_URL": good,
            "PGPASSWORD": None,
            "PGPASSFILE": "/nonexistent",
        }
        pulled = CliRunner().invoke(main, ["--config", str(config), "pull"], env=base_env)
        assert pulled.exit_code == 0, pulled.output
        bad = make(pg_server, database)["TRIAGEWISE_DATABASE_URL"]
        if how == "env":
            args, bad_env = (
                ["--config", str(config), "sync"],
                {**base_env, "TRIAGEWISE_DATABASE_URL": bad},
            )
            expected = words.replace("{db}", database)
        else:
            args, bad_env = ["--config", str(config), "--db", bad, "sync"], base_env
            expected = words.replace("{db}", database).replace("TRIAGEWISE_DATABASE_URL", "--db")
        result = CliRunner().invoke(main, args, env=bad_env)
        assert result.exit_code == 2, (name, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert "Traceback" not in result.output and PASSWORD not in result.output
        assert "not-the-password" not in result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
        assert expected in lines[0], lines[0]
        with pytest.raises(StoreError) as info:  # the class says whether to retry
            Store.open(DatabaseUrl.parse(bad, "TRIAGEWISE_DATABASE_URL"))
        assert type(info.value) is kind
        with Store.open(DatabaseUrl.parse(good, "test")) as store:  # nothing lost
            assert store.count_issues("app") == 146 and store.count_issues("platform") == 34
            assert store.shadows() == {}  # and nothing written: the bad run stopped first


def test_a_url_in_the_config_file_is_refused_without_showing_it(tmp_path: Path) -> None:
    config = tmp_path / "triagewise.toml"
    config.write_text(
        lexical_demo("http://127.0.0.1:9") + '\n[store]\nurl = "postgresql://ana:s3cret@db/t"\n'
    )
    result = CliRunner().invoke(main, ["--config", str(config), "status"], env=ENV)
    assert result.exit_code == 2
    assert (
        "store.url: a database URL carries a password, so it never lives in the config file"
        in result.stderr
    )
    assert "s3cret" not in result.output and "Traceback" not in result.output
    assert not (tmp_path / ".triagewise").exists()


@pytest.mark.slow
def test_two_schemas_in_one_database_are_two_stores_with_two_locks(
    pg_server: PgServer, pg_url: DatabaseUrl
) -> None:
    pg_server.admin_in(pg_url.url, "CREATE SCHEMA team_a; CREATE SCHEMA team_b")
    a, b = (
        DatabaseUrl.parse(f"{pg_url.url}?options=-csearch_path%3D{name}", name)
        for name in ("team_a", "team_b")
    )
    with Store.open(a) as store:
        store.save_cursor("app", {"hwm": "a"}, BASE)
    with Store.open(b) as store:
        assert store.cursor("app") is None and store.schema_version == SCHEMA_VERSION
    with store_lock(a), store_lock(b), pytest.raises(LockedError), store_lock(a):
        pass  # pragma: no cover


@pytest.mark.slow
def test_a_value_postgresql_cannot_hold_is_one_sentence_and_nothing_half_written(
    pg_url: DatabaseUrl,
) -> None:
    from triagewise.model import Key

    with Store.open(pg_url) as store:
        store.save_decision(Key("app", "o/r#1"), "later", "kept", "triage", BASE)
        with pytest.raises(StoreError) as info, store.transaction():
            store.save_decision(Key("app", "o/r#2"), "now", "first", "triage", BASE)
            store.save_decision(Key("app", "o/r#3"), "never", "nul \x00 inside", "triage", BASE)
        assert "cannot contain NUL" in str(info.value) and PASSWORD not in str(info.value)
        assert [k.ref for k in store.decisions()] == ["o/r#1"]


@pytest.mark.parametrize(
    ("message", "words", "kind"),
    [  # what libpq (through psycopg 3.3, PostgreSQL 15) said to the URLs of the tests above
        (
            "failed to resolve host 'db.invalid': [Errno -2] Name or service not known",
            "cannot be reached (failed to resolve host 'db.invalid'",
            StoreUnreachableError,
        ),
        (
            'connection is bad: connection to server on socket "/tmp/x/.s.PGSQL.5432" failed: '
            "No such file or directory\n\tIs the server running locally?",
            "cannot be reached (No such file or directory)",
            StoreUnreachableError,
        ),
        (
            'connection is bad: invalid integer value "x" for connection option "port"',
            'which PostgreSQL cannot read: invalid integer value "x"',
            StoreError,
        ),
        ('invalid URI query parameter: "bogus"\n', "which PostgreSQL cannot read", StoreError),
        (
            'connection failed: connection to server at "10.0.0.5", port 5432 failed: FATAL:  '
            'role "ana" does not exist',
            'refused the connection: role "ana" does not exist',
            StoreError,
        ),
    ],
)
def test_each_connection_failure_gets_its_sentence(
    message: str, words: str, kind: type[Exception]
) -> None:
    url = DatabaseUrl.parse("postgresql://ana:s3cret-pw@db.invalid/t", "TRIAGEWISE_DATABASE_URL")
    error = url.refused(Exception(message + " s3cret-pw"))
    assert type(error) is kind and words in str(error), str(error)
    assert "s3cret-pw" not in str(error) and "\n" not in str(error)


@pytest.mark.slow
def test_a_role_without_rights_on_the_schema_is_one_sentence(
    pg_server: PgServer, pg_url: DatabaseUrl, tmp_path: Path
) -> None:
    """PostgreSQL 15 gives no one but the owner CREATE on `public`: a first run as another
    role stops in one sentence, exit 2, and leaves the database empty."""
    pg_server.admin("CREATE ROLE reader LOGIN PASSWORD 'reader-pass-1'")
    url = pg_url.url.replace(f"tw:{PASSWORD}@", "reader:reader-pass-1@")
    config = tmp_path / "triagewise.toml"
    config.write_text(lexical_demo("http://127.0.0.1:9"))
    result = CliRunner().invoke(main, ["--config", str(config), "--db", url, "pull"], env=ENV)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "refused a statement: permission denied for schema public; the role needs CREATE" in (
        result.stderr
    )
    assert "reader-pass-1" not in result.output and len(result.stderr.strip().splitlines()) == 1
    assert not pg_url.exists()  # nothing half-created
    pg_server.admin("DROP ROLE reader")
