"""Vendor nabd's pinned front-end assets from the npm registry into the static folder.

Why: the web UI must work offline and under a strict CSP, so nothing is loaded from a CDN.
Each package is fetched with ``npm pack`` at an exact version, checked against a pinned
sha512 integrity, and only the files the templates use (plus licences) are copied into
``src/nabd/web/static/vendor/<short-name>/``. Re-running replaces those folders.

Run: ``python scripts/vendor_assets.py``
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR_DIR = ROOT / "src" / "nabd" / "web" / "static" / "vendor"

FONT_PACKAGE_DIR = "fonts"
FONT_CSS_NAME = "ibm-plex-sans-arabic.css"
FONT_SLUG = "ibm-plex-sans-arabic"
FONT_WEIGHTS = (400, 600)
FONT_SUBSETS = ("arabic", "latin")
WOFF2_MAGIC = b"wOF2"

# Only whole-line map comments are removed, so a string literal that mentions one is kept.
SOURCE_MAP_RE = re.compile(
    r"^[ \t]*(?:/\*#\s*sourceMappingURL=[^*]*\*/|//#\s*sourceMappingURL=\S*)[ \t]*\r?\n?",
    re.MULTILINE,
)


@dataclass(frozen=True)
class Package:
    """One pinned npm package and the files nabd takes from it.

    ``files`` and ``licences`` map a path inside the tarball's ``package/`` folder to the
    file name used in the vendor folder (flat, because the templates reference it so).
    """

    name: str
    version: str
    integrity: str
    short_name: str
    files: dict[str, str] = field(default_factory=dict)
    licences: dict[str, str] = field(default_factory=dict)
    strip_source_maps: bool = True


def _font_files() -> dict[str, str]:
    """The woff2 files for the chosen weights and subsets, normal style only."""
    names = [
        f"{FONT_SLUG}-{subset}-{weight}-normal.woff2"
        for weight in FONT_WEIGHTS
        for subset in FONT_SUBSETS
    ]
    return {f"files/{name}": name for name in names}


# Newest stable release of each major line as of pinning; bump deliberately, with integrity.
PACKAGES: tuple[Package, ...] = (
    Package(
        name="bootstrap",
        version="5.3.9",
        integrity="sha512-20cU0rcfw8WdxtVbmfU+xT2EjvVTw9Ror/h1Qvd7DXCujRg8OO9mdBCsmTHdJFf3BuadmBNJtgIuUXsBqSkk/w==",
        short_name="bootstrap",
        files={
            "dist/css/bootstrap.min.css": "bootstrap.min.css",
            "dist/css/bootstrap.rtl.min.css": "bootstrap.rtl.min.css",
            "dist/js/bootstrap.bundle.min.js": "bootstrap.bundle.min.js",
        },
        licences={"LICENSE": "LICENSE"},
    ),
    Package(
        name="htmx.org",
        version="2.0.11",
        integrity="sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA==",
        short_name="htmx",
        files={"dist/htmx.min.js": "htmx.min.js"},
        licences={"LICENSE": "LICENSE"},
    ),
    Package(
        name="echarts",
        version="6.1.0",
        integrity="sha512-q0yaFPggC9FUdsWH4blavRWFmxdrIodbkoKNAjJudAI6CA9gNPxHtV2RcZNEepZVlk4yvBYkOkbk6HIVpIyHZA==",
        short_name="echarts",
        files={"dist/echarts.min.js": "echarts.min.js"},
        licences={
            "LICENSE": "LICENSE",
            "NOTICE": "NOTICE",
            "licenses/LICENSE-d3": "LICENSE-d3",
        },
    ),
    Package(
        name="swagger-ui-dist",
        version="5.35.0",
        integrity="sha512-U06rpMtW9V3XPGOBeamTUSr0Z09jMX4IJuANpE/EZbAhw0G8CgwrzU4YmXkn/h0wCDNsXdGarTNNHC3sU8yVUQ==",
        short_name="swagger-ui",
        files={
            "swagger-ui.css": "swagger-ui.css",
            "swagger-ui-bundle.js": "swagger-ui-bundle.js",
        },
        licences={
            "LICENSE": "LICENSE",
            "NOTICE": "NOTICE",
            "swagger-ui-bundle.js.LICENSE.txt": "swagger-ui-bundle.js.LICENSE.txt",
        },
    ),
    Package(
        name="@fontsource/ibm-plex-sans-arabic",
        version="5.3.0",
        integrity="sha512-ZZ4g+JDgQY0NqSh4o0MNWU1sHQmtcee1g++aKAwyJvZxnT5y51JXsN1cIXnaQaMd40dcbK6QFYa+Z1LbaiNuqA==",
        short_name=FONT_PACKAGE_DIR,
        files=_font_files(),
        licences={"LICENSE": "LICENSE"},
        strip_source_maps=False,
    ),
)


class VendorError(RuntimeError):
    """A package could not be fetched or did not contain what we expect."""


def npm_pack(pkg: Package, dest: Path) -> Path:
    """Fetch the exact tarball with npm (registry only, no install scripts) and verify it."""
    spec = f"{pkg.name}@{pkg.version}"
    result = subprocess.run(
        ["npm", "pack", spec, "--json", "--ignore-scripts", "--pack-destination", str(dest)],
        capture_output=True,
        text=True,
        check=False,
        cwd=dest,
    )
    if result.returncode != 0:
        raise VendorError(f"npm pack {spec} failed:\n{result.stderr.strip()}")
    info = json.loads(result.stdout)[0]
    tarball = dest / info["filename"]
    digest = base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
    actual = f"sha512-{digest}"
    if actual != pkg.integrity:
        raise VendorError(
            f"{spec}: integrity mismatch\n  pinned {pkg.integrity}\n  got    {actual}"
        )
    return tarball


def extract(tarball: Path, dest: Path) -> Path:
    """Unpack with the safe ``data`` filter (no absolute paths, links out, or devices)."""
    with tarfile.open(tarball, "r:gz") as tar:
        tar.extractall(dest, filter="data")
    root = dest / "package"
    if not root.is_dir():
        raise VendorError(f"{tarball.name}: no package/ folder in tarball")
    return root


def strip_source_map_comments(data: bytes) -> bytes:
    """Drop sourceMappingURL comments: we do not ship maps, so browsers would 404 on them."""
    text = data.decode("utf-8")
    stripped, count = SOURCE_MAP_RE.subn("", text)
    if count == 0:
        return data
    return stripped.rstrip().encode("utf-8") + b"\n"


def copy_package(pkg: Package, src_root: Path) -> dict[str, object]:
    """Replace the package's vendor folder with its selected files and licences."""
    out_dir = VENDOR_DIR / pkg.short_name
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    copied: list[str] = []
    for rel, name in {**pkg.files, **pkg.licences}.items():
        src = src_root / rel
        if not src.is_file():
            raise VendorError(f"{pkg.name}@{pkg.version}: missing {rel}")
        data = src.read_bytes()
        if pkg.strip_source_maps and name.endswith((".js", ".css")):
            data = strip_source_map_comments(data)
        (out_dir / name).write_bytes(data)
        copied.append(name)
        print(f"  {rel} -> vendor/{pkg.short_name}/{name} ({len(data):,} bytes)")
    manifest = json.loads((src_root / "package.json").read_text(encoding="utf-8"))
    return {"pkg": pkg, "licence": str(manifest.get("license", "?")), "files": copied}


def check_outputs(pkg: Package) -> None:
    """Fail loudly if a copied asset looks wrong (empty font, stray map comment)."""
    out_dir = VENDOR_DIR / pkg.short_name
    for name in pkg.files.values():
        path = out_dir / name
        data = path.read_bytes()
        if not data:
            raise VendorError(f"{path} is empty")
        if name.endswith(".woff2") and data[:4] != WOFF2_MAGIC:
            raise VendorError(f"{path} is not a woff2 file (magic {data[:4]!r})")
        if pkg.strip_source_maps and SOURCE_MAP_RE.search(data.decode("utf-8")):
            raise VendorError(f"{path} still has a sourceMappingURL comment")


def _css_value(block: str, prop: str) -> str:
    """One property's value from an @font-face block."""
    match = re.search(rf"{prop}\s*:\s*([^;]+);", block)
    if match is None:
        raise VendorError(f"no {prop} in @font-face block:\n{block}")
    return match.group(1).strip()


def write_font_css(src_root: Path, version: str) -> Path:
    """Generate @font-face rules for our woff2 files, taking unicode-range from the package.

    The per-subset CSS files of this package omit unicode-range, so the values are read
    from the per-weight files (``400.css``, ``600.css``), which list every subset.
    """
    rules: list[str] = []
    for weight in FONT_WEIGHTS:
        css = (src_root / f"{weight}.css").read_text(encoding="utf-8")
        blocks = re.findall(r"@font-face\s*{([^}]*)}", css)
        for subset in FONT_SUBSETS:
            woff2 = f"{FONT_SLUG}-{subset}-{weight}-normal.woff2"
            block = next((b for b in blocks if f"/{woff2})" in b), None)
            if block is None:
                raise VendorError(f"{weight}.css has no @font-face for {woff2}")
            if _css_value(block, "font-style") != "normal":
                raise VendorError(f"{woff2}: unexpected font-style")
            rules.append(
                f"/* {subset} {weight} */\n"
                "@font-face {\n"
                f"  font-family: {_css_value(block, 'font-family')};\n"
                "  font-style: normal;\n"
                "  font-display: swap;\n"
                f"  font-weight: {weight};\n"
                f"  src: url(./{woff2}) format('woff2');\n"
                f"  unicode-range: {_css_value(block, 'unicode-range')};\n"
                "}\n"
            )
    header = (
        f"/* Generated by scripts/vendor_assets.py from @fontsource/{FONT_SLUG}@{version}"
        " (OFL-1.1). Do not edit. */\n\n"
    )
    path = VENDOR_DIR / FONT_PACKAGE_DIR / FONT_CSS_NAME
    path.write_text(header + "\n".join(rules), encoding="utf-8")
    print(f"  generated vendor/{FONT_PACKAGE_DIR}/{FONT_CSS_NAME} ({len(rules)} @font-face rules)")
    return path


def write_readme(rows: list[dict[str, object]]) -> None:
    """Record what is vendored, at which version and under which licence."""
    lines = [
        "# Vendored front-end assets",
        "",
        "Generated by `scripts/vendor_assets.py` (run `python scripts/vendor_assets.py`);"
        " do not edit by hand.",
        "Files come from the npm registry tarballs at the pinned versions (sha512 checked);"
        " source-map comments are stripped from JS/CSS because the maps are not shipped.",
        "",
        "| Package | Version | Licence | Folder | Files |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        pkg = row["pkg"]
        assert isinstance(pkg, Package)
        files = row["files"]
        assert isinstance(files, list)
        listed = ", ".join(f"`{name}`" for name in files)
        lines.append(
            f"| `{pkg.name}` | {pkg.version} | {row['licence']} | `{pkg.short_name}/` | {listed} |"
        )
    lines.append("")
    (VENDOR_DIR / "README.md").write_text("\n".join(lines), encoding="utf-8")
    print("wrote vendor/README.md")


def main() -> int:
    """Vendor every pinned package, then write the font CSS and the README."""
    if shutil.which("npm") is None:
        print("error: npm is not on PATH", file=sys.stderr)
        return 1
    VENDOR_DIR.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, object]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="nabd-vendor-") as tmp:
            for index, pkg in enumerate(PACKAGES):
                print(f"{pkg.name}@{pkg.version} -> vendor/{pkg.short_name}/")
                work = Path(tmp) / str(index)
                work.mkdir()
                src_root = extract(npm_pack(pkg, work), work)
                row = copy_package(pkg, src_root)
                if pkg.short_name == FONT_PACKAGE_DIR:
                    css = write_font_css(src_root, pkg.version)
                    files = row["files"]
                    assert isinstance(files, list)
                    files.append(css.name)
                check_outputs(pkg)
                rows.append(row)
    except VendorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    write_readme(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
