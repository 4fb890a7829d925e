"""Generates, at build time, the pages that must not drift from the template.

Two things are written into the git-ignored folder `docs/_generated/` before Sphinx reads the
sources, and the hand-written pages include them:

- `questions.md`: the questions reference, read from `copier.yml` (name, help, type, default,
  choices, what the validator accepts, in the validator's own words, and `when`);
- `example/`: the template rendered with Copier's Python API for an example project, whose
  files the "What you get" page shows as they are; `rendered-files.md`, their list; and
  `more-files.md`, a section for each rendered file the page does not show by name, so that a
  file new to the template appears there without anyone editing the page;
- `flows/`: the example rendered once more for each other trigger, and for cibuildwheel with
  TestPyPI staging, whose release workflows the `release-flow` directive draws
  (docs/_ext/release_flow.py).

Two directives draw pictures as inline SVG: `release-flow` (a release workflow's jobs, read
from the rendered workflow: see `FLOWS`) and `trust-boundaries` (who can do what, from the table
in docs/_ext/trust_boundaries.py).

Each file is rewritten only when its content changes, so incremental builds stay incremental.
"""

from __future__ import annotations

import re
import tempfile
import warnings
from pathlib import Path
from typing import Any, ClassVar

import copier
import yaml
from copier.errors import DirtyLocalWarning
from docutils import nodes
from docutils.parsers.rst import directives
from release_flow import flow_of, flow_svg
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from trust_boundaries import boundaries_svg

from hardened_release.workflows import read

logger = logging.getLogger(__name__)

#: The answers the example project is rendered with; every other question takes its default.
EXAMPLE_ANSWERS = {"pypi_name": "example", "github_repository": "example-org/example"}
#: The release workflows the `release-flow` directive can draw, by name: the example's answers
#: changed by these. `example` is the example project itself.
FLOWS: dict[str, dict[str, Any]] = {
    "example": {},
    "workflow_dispatch": {"release_trigger": "workflow_dispatch"},
    "tag": {"release_trigger": "tag"},
    "cibuildwheel": {"build_tool": "cibuildwheel", "testpypi": True},
}
#: Words for Copier's question types, as a release team reads them.
TYPES = {
    "str": "text",
    "bool": "yes or no",
    "int": "whole number",
    "float": "number",
    "yaml": "YAML value",
}
#: The rendered files the "What you get" page shows by name; any other is shown after them.
SHOWN = (
    ".github/workflows/release.yml",
    ".github/workflows/zizmor.yml",
    ".github/dependabot.yml",
)
LANGUAGES = {".yml": "yaml", ".yaml": "yaml", ".py": "python", ".md": "markdown", ".toml": "toml"}
JINJA_TAG = re.compile(r"\[%.*?%\]|\[#.*?#\]", flags=re.S)
CODE_SPAN = re.compile(r"(`[^`]*`)")
MARKDOWN_SPECIAL = re.compile(r"([\\*_\[\]<>|#])")


def write_if_changed(path: Path, text: str) -> None:
    """Write `text` to `path` unless it already holds exactly that."""
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def load_copier_yml(root: Path) -> dict[str, Any]:
    return yaml.safe_load((root / "copier.yml").read_text(encoding="utf-8"))


def questions_of(copier_yml: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The questions, in the order Copier asks them: every key not starting with `_`, but the
    values computed from the answers (`when: false`), which Copier neither asks nor records."""
    return {
        name: spec
        for name, spec in copier_yml.items()
        if not name.startswith("_") and spec.get("when", True) is not False
    }


ANSWER_SECTION = re.compile(r"\[% (?:el)?if name (?:== \"(\w+)\"|in \[([^\]]*)\]) %\]")


def answer_checks(root: Path) -> dict[str, str]:
    """The checks of includes/answers.jinja, where every validator's rules are said once: the
    Jinja text of each question's branch, by question name."""
    text = (root / "includes" / "answers.jinja").read_text(encoding="utf-8")
    body = text[text.index("[% macro problem") : text.index("[%- endmacro %]")]
    parts = ANSWER_SECTION.split(body)
    checks: dict[str, str] = {}
    for index in range(1, len(parts) - 2, 3):
        names = [parts[index]] if parts[index] else re.findall(r"\w+", parts[index + 1])
        for name in names:
            checks[name] = parts[index + 2]
    return checks


def prose(text: str, names: set[str]) -> str:
    """Text from copier.yml as Markdown: question names become code, the rest is escaped."""
    alternatives = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    name_pattern = re.compile(rf"(?<![\w/])({alternatives or '(?!)'})(?![\w/])")
    parts = []
    for part in CODE_SPAN.split(" ".join(str(text).split())):
        if part.startswith("`") and part.endswith("`") and len(part) > 1:
            parts.append(part)
            continue
        for index, piece in enumerate(name_pattern.split(part)):
            parts.append(f"`{piece}`" if index % 2 else MARKDOWN_SPECIAL.sub(r"\\\1", piece))
    return "".join(parts)


def validator_messages(validator: str) -> list[str]:
    """The messages a validator can give: its text outside Jinja tags, one per branch."""
    chunks = (" ".join(chunk.split()) for chunk in JINJA_TAG.split(validator))
    return [chunk for chunk in chunks if chunk]


def literal(value: Any) -> str:
    """A default or choice as the YAML value a user would type."""
    if value == "":
        return "empty"
    text = yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("...").strip()
    return f"`{text}`"


def describe_default(spec: dict[str, Any], new_project: Any = None) -> str:
    if "default" not in spec or spec["default"] is None:
        return "none: an answer is required"
    default = spec["default"]
    if isinstance(default, str) and "existing." in default:
        return (
            "on adoption, what the project already has (see [Adopting](adopting.md)); for a "
            f"new project, {literal(new_project)}"
        )
    if isinstance(default, str) and "[[" in default:
        expression = " ".join(default.split())
        origin = " from the destination folder's name" if "_folder_name" in default else ""
        return f"computed{origin}: `{expression}`"
    return literal(default)


def anchor(name: str) -> str:
    """The label of a question's section: `question-build-tool` for `build_tool`."""
    return "question-" + name.replace("_", "-")


def is_asked(spec: dict[str, Any]) -> bool:
    """False for a value Copier records without asking: `ask: false` or `when: false`."""
    return spec.get("ask", True) is not False and spec.get("when", True) is not False


def describe_when(when: Any, questions: dict[str, dict[str, Any]]) -> str:
    match = re.fullmatch(r"\s*\[\[\s*(\w+)\s*\]\]\s*", str(when))
    if match and questions.get(match[1], {}).get("type") == "bool":
        return f"only when [`{match[1]}`](#{anchor(match[1])}) is `true`"
    return f"only when `{' '.join(str(when).split())}` is true"


def questions_markdown(
    copier_yml: dict[str, Any], checks: dict[str, str], new_project: dict[str, Any]
) -> str:
    """The questions reference, as Markdown to include in the questions page."""
    questions = questions_of(copier_yml)
    names = set(questions)
    asked = sum(is_asked(spec) for spec in questions.values())
    hidden = len(questions) - asked
    lines = [
        "<!-- Generated from copier.yml by docs/_ext/template_docs.py: do not edit. -->",
        "",
        f"Copier {copier_yml['_min_copier_version']} or newer asks {asked} questions, in the "
        "order below, and records the answers in "
        f"`{copier_yml['_answers_file']}`"
        + (
            f"; {hidden} more value{'s are' if hidden > 1 else ' is'} recorded there without "
            "being asked."
            if hidden
            else "."
        ),
        "",
    ]
    for name, spec in questions.items():
        lines += [f"({anchor(name)})=", f"## `{name}`", "", prose(spec.get("help", ""), names), ""]
        kind = spec.get("type", "yaml")
        facts = [f"**Type**: {TYPES.get(kind, kind)} (`{kind}`)"]
        facts.append(f"**Default**: {describe_default(spec, new_project.get(name))}")
        if not is_asked(spec):
            facts.append("**Asked**: never: Copier records it in the answers file")
        elif "when" in spec:
            facts.append(f"**Asked**: {describe_when(spec['when'], questions)}")
        lines += [f"- {fact}" for fact in facts]
        choices = spec.get("choices")
        if choices:
            lines.append("- **Choices**:")
            pairs = choices.items() if isinstance(choices, dict) else ((None, c) for c in choices)
            for label, value in pairs:
                text = f"  - {literal(value)}"
                if label is not None:
                    text += f": {prose(label, names)}"
                lines.append(text)
        if "validator" in spec:
            rules = checks.get(name, spec["validator"]).replace("[[ name ]]", name)
            messages = [prose(message, names) for message in validator_messages(rules)]
            lines.append("- **Accepted**: an answer is refused, and nothing is written, unless:")
            lines += [f"  - {message}" for message in messages]
        lines.append("")
    return "\n".join(lines)


def render_example(root: Path, destination: Path, answers: dict[str, Any] | None = None) -> None:
    """Render the template's working tree for the example answers (changed by `answers`), as
    a user would."""
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        # The working tree, uncommitted changes included, is what these docs describe; and a
        # new project has none of the files that an adoption would read.
        warnings.simplefilter("ignore", DirtyLocalWarning)
        rendered = Path(tmp) / "example"
        copier.run_copy(
            str(root),
            rendered,
            data={**EXAMPLE_ANSWERS, **(answers or {})},
            defaults=True,
            unsafe=False,
            quiet=True,
            vcs_ref="HEAD",
        )
        wanted = {
            path.relative_to(rendered): path.read_text(encoding="utf-8")
            for path in rendered.rglob("*")
            if path.is_file()
        }
    for relative, text in wanted.items():
        write_if_changed(destination / relative, text)
    for path in sorted(destination.rglob("*"), reverse=True):
        if path.is_file() and path.relative_to(destination) not in wanted:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def summary(path: Path, releasing_doc: str) -> str:
    """What a rendered file is, from its own first comment or docstring line."""
    if path.name == Path(releasing_doc).name and path.suffix == ".md":
        return "The release process, with the example's values filled in."
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#!"):
            continue
        if line.startswith("#"):
            return prose(line.lstrip("#").strip(), set())
        if line.startswith('"""'):
            return prose(line.strip('"').strip(), set())
        return ""
    return ""


def example_answer(example: Path, copier_yml: dict[str, Any], name: str) -> Any:
    """An answer as the example project recorded it."""
    return yaml.safe_load((example / copier_yml["_answers_file"]).read_text())[name]


def rendered_files_markdown(example: Path, copier_yml: dict[str, Any]) -> str:
    """The table of rendered files, each with the summary its first line gives."""
    releasing_doc = example_answer(example, copier_yml, "releasing_doc")
    files = sorted(path for path in example.rglob("*") if path.is_file())
    lines = [
        "<!-- Generated by docs/_ext/template_docs.py: do not edit. -->",
        "",
        "| File | What it is |",
        "|---|---|",
    ]
    lines += [
        f"| `{path.relative_to(example).as_posix()}` | {summary(path, releasing_doc)} |"
        for path in files
    ]
    answers = " ".join(f"-d {name}={value}" for name, value in EXAMPLE_ANSWERS.items())
    lines += [
        "",
        f"Rendered with `copier copy --defaults {answers}`: every other question keeps its "
        "default.",
        "",
    ]
    return "\n".join(lines)


def more_files_markdown(example: Path, generated: str, copier_yml: dict[str, Any]) -> str:
    """Sections for the rendered files the page does not show by name, so none is left out."""
    releasing_doc = example_answer(example, copier_yml, "releasing_doc")
    skip = {*SHOWN, releasing_doc, copier_yml["_answers_file"]}
    lines = ["<!-- Generated by docs/_ext/template_docs.py: do not edit. -->", ""]
    for path in sorted(path for path in example.rglob("*") if path.is_file()):
        relative = path.relative_to(example).as_posix()
        if relative in skip:
            continue
        lines += [
            f"## `{relative}`",
            "",
            summary(path, releasing_doc),
            "",
            f"```{{literalinclude}} /{generated}/example/{relative}",
            f":language: {LANGUAGES.get(path.suffix, 'text')}",
            "```",
            "",
        ]
    return "\n".join(lines)


def generate(app: Sphinx, config: Config) -> None:
    """Write the generated pages and the rendered example before Sphinx reads any source."""
    root = Path(config.template_docs_root or Path(app.confdir).parent).resolve()
    generated = Path(app.confdir) / config.template_docs_generated
    copier_yml = load_copier_yml(root)
    logger.info("template_docs: questions reference from %s", root / "copier.yml")
    logger.info("template_docs: rendering the template for the example project")
    example = generated / "example"
    render_example(root, example)
    new_project = yaml.safe_load((example / copier_yml["_answers_file"]).read_text())
    questions = questions_markdown(copier_yml, answer_checks(root), new_project)
    write_if_changed(generated / "questions.md", questions)
    write_if_changed(generated / "rendered-files.md", rendered_files_markdown(example, copier_yml))
    more = more_files_markdown(example, config.template_docs_generated, copier_yml)
    write_if_changed(generated / "more-files.md", more)
    for name, answers in FLOWS.items():
        if answers:
            logger.info("template_docs: rendering the example with %s", answers)
            render_example(root, generated / "flows" / name, answers)
    # Facts for the hand-written pages, as MyST substitutions: {{ answers_file }} and so on.
    config.myst_substitutions = {
        **config.myst_substitutions,
        "answers_file": copier_yml["_answers_file"],
        "min_copier_version": copier_yml["_min_copier_version"],
    }


def flow_workflow(generated: Path, name: str, copier_yml: dict[str, Any]) -> Path:
    """The rendered release workflow of one of `FLOWS`."""
    project = generated / "example" if name == "example" else generated / "flows" / name
    workflow = example_answer(project, copier_yml, "release_workflow")
    return project / ".github" / "workflows" / workflow


class PictureDirective(SphinxDirective):
    """A picture, as inline SVG; the directive's content is its caption."""

    has_content = True

    def figure(self, ident: str, caption: str) -> str:
        raise NotImplementedError

    def ident(self) -> str:
        """The figure's id, unique in its page."""
        return f"{self.name}-{self.env.new_serialno(self.name)}"

    def run(self) -> list[nodes.Node]:
        # The page is drawn again when the drawing code changes, not only its data.
        for module in ("pictures.py", "release_flow.py", "trust_boundaries.py"):
            self.env.note_dependency(str(Path(__file__).with_name(module)))
        ident = self.ident()
        caption = " ".join(" ".join(self.content).split())
        return [nodes.raw("", self.figure(ident, caption), format="html")]


class ReleaseFlow(PictureDirective):
    """```{release-flow} example```: the jobs of a rendered release workflow (one of `FLOWS`),
    drawn from the workflow itself."""

    required_arguments = 1
    option_spec: ClassVar = {"title": directives.unchanged}

    def ident(self) -> str:
        """`release-flow-<name>-<n>`: the id says which workflow is drawn."""
        return f"{self.name}-{self.arguments[0]}-{self.env.new_serialno(self.name)}"

    def figure(self, ident: str, caption: str) -> str:
        name = self.arguments[0]
        if name not in FLOWS:
            raise self.error(f"release-flow: {name!r} is none of {', '.join(FLOWS)}")
        generated = Path(self.env.srcdir) / self.config.template_docs_generated
        root = Path(self.config.template_docs_root or Path(self.env.srcdir).parent)
        path = flow_workflow(generated, name, load_copier_yml(root))
        self.env.note_dependency(str(path))
        workflow = read(path.parents[2], path.relative_to(path.parents[2]))
        flow = flow_of(workflow, self.options.get("title", ""))
        return flow_svg(flow, ident, caption)


class TrustBoundaries(PictureDirective):
    """```{trust-boundaries}```: who can push, tag, start, approve and publish."""

    def figure(self, ident: str, caption: str) -> str:
        return boundaries_svg(ident, caption)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("release-flow", ReleaseFlow)
    app.add_directive("trust-boundaries", TrustBoundaries)
    app.add_config_value("template_docs_root", "", "env", types=frozenset({str}))
    app.add_config_value("template_docs_generated", "_generated", "env", types=frozenset({str}))
    app.connect("config-inited", generate)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
