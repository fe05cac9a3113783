from click.testing import CliRunner

from compare.cli import main


def test_build_writes_tables_and_a_report(tmp_path, sample_plan):
    raw = tmp_path / "raw" / "plans"
    raw.mkdir(parents=True)
    (raw / "plan.txt").write_text(sample_plan, encoding="utf-8")
    (raw / "broken.pdf").write_bytes(b"%PDF-1.4 broken")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", "--raw", str(tmp_path / "raw"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "1 document(s) built" in result.output
    assert "plans/broken.pdf: is not a readable PDF" in result.output
    assert (out / "documents.parquet").exists() and (out / "build_report.json").exists()
    strict = CliRunner().invoke(main, ["build", "--raw", str(tmp_path / "raw"), "--out", str(out), "--strict"])
    assert strict.exit_code != 0


def test_build_fails_when_nothing_could_be_read(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    result = CliRunner().invoke(main, ["build", "--raw", str(tmp_path), "--out", str(tmp_path / "out")])
    assert result.exit_code != 0
    assert "nothing was written" in result.output
    assert not (tmp_path / "out" / "documents.parquet").exists()


def test_help_speaks_the_domain():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0 and "policy plans" in result.output
    result = CliRunner().invoke(main, ["build", "--help"])
    assert "templates" in result.output


def test_schema_command_prints_the_dictionary(tmp_path):
    result = CliRunner().invoke(main, ["schema"])
    assert "## `documents`" in result.output
    out = tmp_path / "dd.md"
    assert CliRunner().invoke(main, ["schema", "--out", str(out)]).exit_code == 0
    assert "doc_number" in out.read_text(encoding="utf-8")


def test_the_console_command_flushes_its_output_runs_exit_handlers_and_keeps_exit_codes(tmp_path):
    """``run`` skips the interpreter's teardown: all output still arrives, exit handlers still
    run, and an error still exits non-zero."""
    import subprocess
    import sys

    marker = tmp_path / "handler-ran"
    code = ("import atexit, pathlib, sys; "
            f"atexit.register(lambda: pathlib.Path({str(marker)!r}).write_text('yes')); "
            "from compare.cli import run; sys.argv = ['compare'] + sys.argv[1:]; run()")
    done = subprocess.run([sys.executable, "-c", code, "schema"], capture_output=True, text=True)
    assert done.returncode == 0
    assert CliRunner().invoke(main, ["schema"]).output == done.stdout  # every line, to the last
    assert marker.read_text() == "yes"
    failed = subprocess.run([sys.executable, "-c", code, "build", "--raw", str(tmp_path / "missing"), "--out",
                             str(tmp_path / "out")], capture_output=True, text=True)
    assert failed.returncode == 1 and "the raw folder does not exist" in failed.stderr
