"""docs/architecture.md's layer map against Package.swift and the source folders: the diagram is current, and its
claim that dependencies point one way, down, holds."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def targets():
    """name -> (kind, local dependencies) of every target Package.swift declares."""
    text = (ROOT / "Package.swift").read_text()
    found = {}
    for match in re.finditer(r"\.(target|executableTarget|testTarget)\(\s*name:\s*\"([^\"]+)\"", text):
        kind, name = match.groups()
        # The target's text runs to the next target declaration.
        rest = text[match.end():]
        following = re.search(r"\.(target|executableTarget|testTarget)\(", rest)
        body = rest[:following.start()] if following else rest
        dependencies = re.search(r"dependencies:\s*\[(.*?)\]\s*,?\s*(exclude|resources|swiftSettings|\))", body, re.S)
        names = re.findall(r"(?<![\w(:])\"([^\"]+)\"", dependencies.group(1)) if dependencies else []
        found[name] = (kind, [n for n in names if not n.startswith(("http", "swift-"))])
    return found


def diagram():
    """The rows of the first code block: (target, its text), top to bottom."""
    text = (ROOT / "docs" / "architecture.md").read_text()
    block = text.split("```", 2)[1]
    rows = []
    for line in block.splitlines()[1:]:
        if line and not line[0].isspace():
            name, _, rest = line.partition(" ")
            rows.append([name, rest])
        elif rows:
            rows[-1][1] += " " + line.strip()
    return rows


def test_every_target_is_in_the_diagram_and_every_row_is_a_target():
    declared = {name for name, (kind, _) in targets().items() if kind != "testTarget"}
    rows = diagram()
    names = [name for name, _ in rows]
    assert len(set(names)) == len(names)
    assert set(names) <= declared, set(names) - declared
    everything = " ".join(name + " " + text for name, text in rows)
    missing = [name for name in declared - set(names) if not re.search(rf"\b{re.escape(name)}\b", everything)]
    assert missing == []


def test_dependencies_point_down_the_diagram():
    order = {name: index for index, (name, _) in enumerate(diagram())}
    upward = [(name, dependency) for name, (_, dependencies) in targets().items() if name in order
              for dependency in dependencies if dependency in order and order[dependency] <= order[name]]
    assert upward == []
    # And the test targets mirror the libraries.
    for name, (kind, dependencies) in targets().items():
        if kind == "testTarget":
            assert name.removesuffix("Tests") in targets(), name


def test_every_room_of_the_server_and_every_folder_of_the_operations_is_named():
    text = " ".join(text for _, text in diagram())
    for target in ("SageMakerServer", "SageMakerOperations"):
        for folder in sorted(p.name for p in (ROOT / "Sources" / target).iterdir() if p.is_dir()):
            assert f"{folder}/" in text, f"{target}/{folder} is not in docs/architecture.md's diagram"
