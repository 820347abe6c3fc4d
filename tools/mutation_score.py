"""Print the share of mutants killed per module from mutmut's results in ``mutants/``.

Run from the project root after ``mutmut run`` (``make mutation`` does both). mutmut 3
stores one ``<module>.py.meta`` JSON file per mutated module, holding the exit code of the
test run against each mutant: 1 (a test failed) or 3 (pytest crashed) means killed, 0
survived, 33 or 5 no test reached it, 36 or a killing signal timed out (counted as killed:
the mutant made the code loop), None not run yet.

A mutant named in the "Equivalent mutants" section of docs/testing.rst
(``skbackprop.module.x…__mutmut_N``) is one the page explains as equivalent; the last column
counts it with the killed ones.
"""

import json
import re
import sys
from pathlib import Path

KILLED = {1, 3}
TIMEOUT = {36, 24, -24, 152, 255, -9, -11}
SURVIVED = {0}
NO_TESTS = {5, 33}
DOCS = Path("docs/testing.rst")
NAME = re.compile(r"skbackprop\.[\w.]+\.x\S*?__mutmut_\d+")


def equivalent_mutants(docs=DOCS):
    """Mutant names listed in the "Equivalent mutants" section of the testing page."""
    if not docs.exists():
        return set()
    after_title = docs.read_text(encoding="utf-8").partition("\nEquivalent mutants\n")[2]
    # The section ends at the next title: survivors named further on are not equivalent.
    section = re.split(r"\n[^\n]+\n~{3,}\n", after_title.partition("\n")[2])[0]
    return set(NAME.findall(section))


def module_scores(root=Path("mutants"), equivalent=frozenset()):
    """One row per mutated module: counts by outcome and the two shares."""
    rows = []
    for meta in sorted(root.rglob("*.py.meta")):
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        checked = {k: c for k, c in codes.items() if c is not None}
        killed = sum(c in KILLED or c in TIMEOUT for c in checked.values())
        listed = sum(
            k in equivalent for k, c in checked.items() if not (c in KILLED or c in TIMEOUT)
        )
        n = len(checked)
        rows.append(
            {
                "module": str(meta.relative_to(root)).removesuffix(".meta"),
                "mutants": len(codes),
                "checked": n,
                "killed": killed,
                "survived": sum(c in SURVIVED for c in checked.values()),
                "no_tests": sum(c in NO_TESTS for c in checked.values()),
                "equivalent": listed,
                "score": killed / n if n else float("nan"),
                "score_with_equivalent": (killed + listed) / n if n else float("nan"),
            }
        )
    return rows


def main(argv=None):
    """Print the table; with ``--json``, the rows as JSON."""
    argv = sys.argv[1:] if argv is None else argv
    if not Path("mutants").is_dir():
        sys.exit("No mutants/ folder here: run `make mutation` (or `mutmut run`) first.")
    rows = module_scores(equivalent=equivalent_mutants())
    if "--json" in argv:
        print(json.dumps(rows, indent=2))
        return
    header = f"{'module':<30} {'mutants':>7} {'run':>5} {'killed':>6} {'survived':>8} "
    print(header + f"{'no test':>7} {'equiv.':>6} {'killed %':>8} {'+equiv. %':>9}")
    for r in rows:
        if not r["checked"]:  # not run yet (``make mutation MODULE=...`` runs one module)
            print(f"{r['module']:<30} {r['mutants']:>7} {'not run':>9}")
            continue
        print(
            f"{r['module']:<30} {r['mutants']:>7} {r['checked']:>5} {r['killed']:>6} "
            f"{r['survived']:>8} {r['no_tests']:>7} {r['equivalent']:>6} "
            f"{100 * r['score']:>8.1f} {100 * r['score_with_equivalent']:>9.1f}"
        )


if __name__ == "__main__":
    main()
