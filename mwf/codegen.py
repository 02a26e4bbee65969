"""Regenerate the Python code of the contracts in proto/ (`python -m mwf.codegen`).

`--check` regenerates into a scratch folder and fails when the committed code differs, which is
how CI proves that `mwf/v1` matches `proto/`. The proto package path mirrors the Python import
path (`mwf.v1` → `mwf/v1/`), so generated imports work without post-processing.
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = ROOT / "proto"
GENERATED_PACKAGE = Path("mwf") / "v1"


def generate(out_root: Path) -> Path:
    protos = sorted(str(p.relative_to(PROTO_ROOT)) for p in PROTO_ROOT.rglob("*.proto"))
    target = out_root / GENERATED_PACKAGE
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            f"-I{PROTO_ROOT}",
            f"--python_out={out_root}",
            f"--pyi_out={out_root}",
            f"--grpc_python_out={out_root}",
            f"--plugin=protoc-gen-mypy_grpc={Path(sys.executable).parent / 'protoc-gen-mypy_grpc'}",
            f"--mypy_grpc_out={out_root}",
            *protos,
        ],
        cwd=PROTO_ROOT,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise SystemExit(f"protoc failed:\n{result.stdout}{result.stderr}")
    (target / "__init__.py").write_text('"""Generated from proto/mwf/v1 by mwf.codegen."""\n')
    return target


def differences(left: Path, right: Path) -> list[str]:
    comparison = filecmp.dircmp(left, right, ignore=["__pycache__"])
    found = [f"only in {left}: {n}" for n in comparison.left_only]
    found += [f"only in {right}: {n}" for n in comparison.right_only]
    found += [f"differs: {n}" for n in comparison.diff_files]
    same_size = [n for n in comparison.same_files if not filecmp.cmp(left / n, right / n, False)]
    found += [f"differs: {n}" for n in same_size]
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if mwf/v1 is out of date")
    args = parser.parse_args()
    if not args.check:
        generate(ROOT)
        print(f"generated {GENERATED_PACKAGE}")
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        fresh = generate(Path(scratch))
        problems = differences(ROOT / GENERATED_PACKAGE, fresh)
    if problems:
        print("generated code is out of sync with proto/ (run: python -m mwf.codegen)")
        print("\n".join(problems))
        return 1
    print("generated code matches proto/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
