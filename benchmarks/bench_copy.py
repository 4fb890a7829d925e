"""Benchmark: how much longer `copier copy` of this template takes than of a one-file template.

It times Copier rendering this repository's template (the default variant, answering only
``pypi_name=sample-pkg`` and ``github_repository=octo-org/sample``, always at ``vcs_ref="HEAD"``)
against Copier rendering a minimal template it creates itself: a ``copier.yml`` with one question
and ``_subdirectory``, and one ``.jinja`` file, committed to a git repository of its own so that
both go through the same clone path. Whatever both share (Copier's fixed costs, such as cloning a
local git repository and checking it out) cancels out in the ratio; what is left is the cost of
this template's own questions, files and Jinja. (One thing does not cancel out: when this repository
has uncommitted changes, Copier copies them into its clone with an extra ``git add`` and
``git commit`` on every render; the report says when that was the case.)

The two renders are interleaved (template, one-file, template, one-file, ...) after warm-up
rounds, so that machine noise hits both alike; each renders into a fresh temporary directory. What
is timed is the whole ``copier copy`` command, as a user waits for it (Python's start-up and
Copier's imports included); ``--in-process`` times only ``copier.run_copy`` instead. It reports
the median and minimum of each, the ratio of the medians (template / one-file), and of the
minimums, which move less on a noisy machine, and whether the ratio of the medians is within a
target.

This is a benchmark, not a test: run it by hand, from anywhere, with Copier installed::

    python benchmarks/bench_copy.py                 # 15 rounds, target ratio 1.15
    python benchmarks/bench_copy.py --rounds 30 --target 1.25 --check   # exit 1 above target
    python benchmarks/bench_copy.py --json          # the numbers as JSON
    python benchmarks/bench_copy.py --cookie ../cookie   # and scientific-python/cookie's render

``--cookie`` times a clone of scientific-python/cookie too, the template most users come from,
rendered with the answers it requires. It needs its Jinja extension
(``pip install copier-templates-extensions``) and ``--trust``, which only its render is given.

``--update`` also times a one-version ``copier update`` (a project rendered at one release of
this template, updated to the next, which changes one line of the release document) against
the ``copier copy`` of that release from the same repository, both as whole commands (target:
within 2x).

``--parts`` splits the copy's ratio into where it comes from, with two more renders: the one-file
template committed among all of this repository's other tracked files (what the ratio owes to
Copier checking out the template's whole repository, whatever its ``_subdirectory``), and this
template's files alone in a repository of their own (what it owes to the questions and Jinja).
With ``--update`` it also times the one-file template's own one-version update against its copy:
the least an update costs in Copier, three renders and five clones of the template.

It exits 0 whatever the ratio, unless ``--check`` is given.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import copier
from copier.errors import DirtyLocalWarning

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "tests"))
from helpers import repository_files, template_files  # noqa: E402  (the tests' copies)

UPDATE_TARGET = 2.0
#: The ratios reported: each one render's time over another's.
RATIOS = {
    "ratio": ("template", "one_file"),
    "update_ratio": ("update", "copy_v2"),
    "ratio_one_file_here": ("one_file_here", "one_file"),
    "ratio_template_alone": ("template_alone", "one_file"),
    "one_file_update_ratio": ("one_file_update", "one_file_copy_v2"),
    "ratio_to_cookie": ("template", "cookie"),
}
ANSWERS = {"pypi_name": "sample-pkg", "github_repository": "octo-org/sample"}
WARMUP_ROUNDS = 2

ONE_FILE_COPIER_YML = """\
_subdirectory: template

project_name:
  type: str
  help: Name of the project
  default: sample
"""
ONE_FILE_JINJA = "# {{ project_name }}\n\nRendered by a one-file Copier template.\n"
#: What `copier update` needs of any template: the answers file. Only --update --parts uses it.
ONE_FILE_ANSWERS = ("{{ _copier_conf.answers_file }}.jinja", "{{ _copier_answers | to_nice_yaml }}")
#: What scientific-python/cookie asks that has no default.
COOKIE_ANSWERS = {
    "project_name": "sample-pkg",
    "org": "octo-org",
    "full_name": "Sample Maintainer",
    "email": "maintainer@example.invalid",
    "license": "BSD",
    "backend": "hatch",
    "docs": "sphinx",
    "vcs": "true",
}


GIT = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]


def commit_all(root: Path, message: str, *tags: str) -> None:
    """`git init` (if needed), then commit everything in `root` and tag it."""
    steps = [["init", "-q"]] if not (root / ".git").exists() else []
    steps += [["add", "-A"], ["commit", "-q", "-m", message], *(["tag", tag] for tag in tags)]
    for args in steps:
        subprocess.run([*GIT, *args], cwd=root, check=True, capture_output=True)


def write_one_file_template(root: Path) -> Path:
    """The one-file template's copier.yml and file, written in `root`."""
    (root / "template").mkdir(parents=True, exist_ok=True)
    (root / "copier.yml").write_text(ONE_FILE_COPIER_YML, encoding="utf-8")
    (root / "template" / "README.md.jinja").write_text(ONE_FILE_JINJA, encoding="utf-8")
    return root


def make_one_file_template(root: Path) -> Path:
    """Create the one-file template in `root`, as a git repository with one commit."""
    write_one_file_template(root)
    commit_all(root, "One-file template")
    return root


def make_one_file_here(root: Path) -> Path:
    """The one-file template committed with every other file of this repository, as Copier
    would check them out: its ratio to the one-file template alone is what the checkout of this
    repository costs."""
    repository_files(root)
    shutil.rmtree(root / "template")
    write_one_file_template(root)
    commit_all(root, "One-file template among this repository's files")
    return root


def make_template_alone(root: Path) -> Path:
    """This template's files alone (copier.yml and what it renders from) in a repository of
    their own: its ratio is what the questions and the Jinja cost."""
    root.mkdir(parents=True)
    template_files(root)
    commit_all(root, "The template's files alone")
    return root


def make_one_file_versions(root: Path) -> Path:
    """The one-file template, with an answers file, released as v1 and v2 (one line apart)."""
    make_one_file_template(root)
    name, text = ONE_FILE_ANSWERS
    (root / "template" / name).write_text(text, encoding="utf-8")
    commit_all(root, "v1", "v1")
    readme = root / "template" / "README.md.jinja"
    readme.write_text(readme.read_text(encoding="utf-8") + "\nRevised.\n", encoding="utf-8")
    commit_all(root, "v2", "v2")
    return root


def make_versions(root: Path) -> Path:
    """This template's files as a git repository with two releases, v1 and v2, which differ by
    one line of the release document."""
    root.mkdir(parents=True)
    template_files(root)
    commit_all(root, "v1", "v1")
    doc = root / "template" / "[[ releasing_doc ]].jinja"
    doc.write_text(doc.read_text(encoding="utf-8") + "\nRevised.\n", encoding="utf-8")
    commit_all(root, "v2", "v2")
    return root


def update_process(
    versions: Path,
    data: dict[str, str] = ANSWERS,
    answers_file: str = ".copier-answers.hardened-release.yml",
) -> float:
    """A project copied at v1 and committed (not timed), then the `copier update` command to v2,
    timed as a user waits for it."""
    copier_command = [sys.executable, "-m", "copier"]
    with tempfile.TemporaryDirectory(prefix="bench-update-dst-") as dst:
        copy = [*copier_command, "copy", "-q", "--defaults", "--vcs-ref=v1", *data_args(data)]
        subprocess.run(
            [*copy, str(versions), dst],
            check=True,
            capture_output=True,
        )
        for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "v1"]):
            subprocess.run([*GIT, *args], cwd=dst, check=True, capture_output=True)
        start = time.perf_counter()
        subprocess.run(
            [*copier_command, "update", "-q", "--defaults", "--vcs-ref=v2", "-a", answers_file],
            cwd=dst, check=True, capture_output=True,
        )  # fmt: skip
        return time.perf_counter() - start


def is_dirty(repo: Path) -> bool:
    """Whether `repo` has uncommitted changes, which Copier adds to its clone of HEAD."""
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=repo, check=True, capture_output=True, text=True
    )
    return bool(status.stdout.strip())


def render(src: Path, data: dict[str, str]) -> float:
    """Render `src` into a fresh temporary directory; return the seconds `run_copy` took."""
    with tempfile.TemporaryDirectory(prefix="bench-copy-dst-") as dst:
        start = time.perf_counter()
        copier.run_copy(
            str(src), dst, data=data, defaults=True, unsafe=False, quiet=True, vcs_ref="HEAD"
        )
        return time.perf_counter() - start


def data_args(data: dict[str, str]) -> list[str]:
    """The answers as the `copier` command takes them: `-d name=value` each."""
    return [arg for name, value in data.items() for arg in ("-d", f"{name}={value}")]


def copy_process(src: Path, data: dict[str, str], trust: bool = False, ref: str = "HEAD") -> float:
    """Run the `copier copy` command of `src` at `ref` into a fresh temporary directory, as a
    user does; return the seconds the whole process took, Python's start-up and Copier's
    imports included."""
    with tempfile.TemporaryDirectory(prefix="bench-copy-dst-") as dst:
        command = [sys.executable, "-m", "copier", "copy", "-q", "--defaults", f"--vcs-ref={ref}"]
        command += ["--trust"] if trust else []
        start = time.perf_counter()
        subprocess.run([*command, *data_args(data), str(src), dst], check=True, capture_output=True)
        return time.perf_counter() - start


def measure(
    rounds: int,
    one_file_src: Path,
    in_process: bool,
    cookie: Path | None = None,
    versions: Path | None = None,
    parts: dict[str, Path] | None = None,
) -> dict[str, list[float]]:
    """Time the renders, interleaved, for `rounds` rounds after the warm-up rounds."""
    timed = render if in_process else copy_process
    renders: dict[str, Callable[[], float]] = {
        "template": lambda: timed(REPO_ROOT, ANSWERS),
        "one_file": lambda: timed(one_file_src, {}),
    }
    if cookie:
        renders["cookie"] = lambda: copy_process(cookie, COOKIE_ANSWERS, trust=True)
    if versions:
        renders["update"] = lambda: update_process(versions)
        renders["copy_v2"] = lambda: copy_process(versions, ANSWERS, ref="v2")
    parts = parts or {}
    if "one_file_here" in parts:
        renders["one_file_here"] = lambda: timed(parts["one_file_here"], {})
    if "template_alone" in parts:
        renders["template_alone"] = lambda: timed(parts["template_alone"], ANSWERS)
    if "one_file_versions" in parts:
        one_file_versions = parts["one_file_versions"]
        renders["one_file_update"] = lambda: update_process(
            one_file_versions, {}, ".copier-answers.yml"
        )
        renders["one_file_copy_v2"] = lambda: copy_process(one_file_versions, {}, ref="v2")
    times: dict[str, list[float]] = {name: [] for name in renders}
    for i in range(WARMUP_ROUNDS + rounds):
        for name, run in renders.items():
            seconds = run()
            if i >= WARMUP_ROUNDS:
                times[name].append(seconds)
    return times


def summarize(
    times: dict[str, list[float]], target: float, dirty: bool, in_process: bool
) -> dict[str, Any]:
    """The median and minimum of each render, the ratio of the medians and the verdict."""
    result: dict[str, Any] = {
        name: {"median_s": statistics.median(ts), "min_s": min(ts), "rounds": len(ts)}
        for name, ts in times.items()
    }
    # Each ratio, of the medians and (steadier on a noisy machine) of the minimums.
    for key, (timed, over) in RATIOS.items():
        if timed in result and over in result:
            result[key] = result[timed]["median_s"] / result[over]["median_s"]
            result[f"{key}_of_minimums"] = result[timed]["min_s"] / result[over]["min_s"]
    result["target"] = target
    result["passed"] = result["ratio"] <= target
    if "update_ratio" in result:
        result["update_target"] = UPDATE_TARGET
        result["passed"] = result["passed"] and result["update_ratio"] <= UPDATE_TARGET
    result["template_dirty"] = dirty
    result["measured"] = "run_copy in one process" if in_process else "the copier copy command"
    result["copier_version"] = copier.__version__
    return result


def report(result: dict[str, Any]) -> str:
    """The result as lines of text."""
    rounds = result["template"]["rounds"]
    lines = [f"copier {copier.__version__}, {rounds} rounds of {result['measured']}"]
    labels = {
        "template": "hardened-release",
        "one_file": "one-file template",
        "cookie": "cookie",
        "update": "update v1 to v2",
        "copy_v2": "copy of v2",
        "one_file_here": "one-file, here",
        "template_alone": "template alone",
        "one_file_update": "one-file update",
        "one_file_copy_v2": "one-file copy v2",
    }
    for name, label in labels.items():
        if name not in result:
            continue
        r = result[name]
        lines.append(
            f"{label:>18}: median {r['median_s'] * 1000:8.1f} ms   min {r['min_s'] * 1000:8.1f} ms"
        )
    if result["template_dirty"]:
        lines.append("(the template had uncommitted changes: Copier committed them in each clone)")
    verdict = "PASS" if result["ratio"] <= result["target"] else "FAIL"
    lines.append(
        f"ratio of medians (template / one-file): {result['ratio']:.3f}"
        f" (of minimums {result['ratio_of_minimums']:.3f})"
        f"   {verdict} (target <= {result['target']:.2f})"
    )
    if "update_ratio" in result:
        verdict = "PASS" if result["update_ratio"] <= result["update_target"] else "FAIL"
        lines.append(
            f"ratio of medians (update / copy): {result['update_ratio']:.3f}"
            f" (of minimums {result['update_ratio_of_minimums']:.3f})"
            f"   {verdict} (target <= {result['update_target']:.2f})"
        )
    if "ratio_one_file_here" in result:
        lines.append(
            f"the checkout alone (one-file template among this repository's files / one-file):"
            f" {result['ratio_one_file_here']:.3f}"
            f" (of minimums {result['ratio_one_file_here_of_minimums']:.3f})"
        )
        lines.append(
            f"the questions and Jinja alone (this template's files alone / one-file):"
            f" {result['ratio_template_alone']:.3f}"
            f" (of minimums {result['ratio_template_alone_of_minimums']:.3f})"
        )
    if "one_file_update_ratio" in result:
        lines.append(
            f"Copier's own floor (one-file template's update / its copy):"
            f" {result['one_file_update_ratio']:.3f}"
            f" (of minimums {result['one_file_update_ratio_of_minimums']:.3f})"
        )
    if "ratio_to_cookie" in result:
        lines.append(f"ratio of medians (template / cookie): {result['ratio_to_cookie']:.3f}")
    return "\n".join(lines)


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--rounds", type=positive_int, default=15, help="timed rounds (default: 15)"
    )
    parser.add_argument(
        "--target", type=float, default=1.15, help="highest passing ratio (default: 1.15)"
    )
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="time copier.run_copy in this process instead of the whole copier copy command",
    )
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when the ratio is above the target"
    )
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    parser.add_argument(
        "--update",
        action="store_true",
        help="also time a one-version copier update against a copier copy (target 2x)",
    )
    parser.add_argument(
        "--parts",
        action="store_true",
        help="also split the ratio: the checkout of this repository, and the template's files"
        " alone (with --update: the one-file template's own update)",
    )
    parser.add_argument(
        "--cookie",
        type=Path,
        help="a clone of scientific-python/cookie, whose copier copy command is timed too",
    )
    args = parser.parse_args(argv)

    # A working tree with uncommitted changes makes Copier warn on every render of HEAD.
    warnings.filterwarnings("ignore", category=DirtyLocalWarning)
    dirty = is_dirty(REPO_ROOT)
    with tempfile.TemporaryDirectory(prefix="bench-copy-src-") as src:
        one_file = make_one_file_template(Path(src) / "one-file")
        versions = make_versions(Path(src) / "versions") if args.update else None
        parts = {}
        if args.parts:
            parts["one_file_here"] = make_one_file_here(Path(src) / "one-file-here")
            parts["template_alone"] = make_template_alone(Path(src) / "template-alone")
            if args.update:
                parts["one_file_versions"] = make_one_file_versions(Path(src) / "one-file-v")
        times = measure(args.rounds, one_file, args.in_process, args.cookie, versions, parts)
    result = summarize(times, args.target, dirty, args.in_process)
    print(json.dumps(result, indent=2) if args.json else report(result))
    return 1 if args.check and not result["passed"] else 0


if __name__ == "__main__":
    sys.exit(main())
