#!/usr/bin/env bash
# Re-vendors nhsuk-frontend into static/vendor/nhsuk-frontend/ from the npm registry.
# Run by hand when upgrading; the result is committed so that `make run` needs no npm and the app
# needs no CDN. Font URLs pointing at assets.nhs.uk are removed (Frutiger is licensed and an NHS
# intranet may not reach it; the stack falls back to Arial), and root-relative image URLs are made
# relative so the CSS works under STATIC_URL.
set -euo pipefail
version="${1:-10.6.1}"
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "nhsuk-frontend@$version" >/dev/null && tar xzf "nhsuk-frontend-$version.tgz")
dest="$here/static/vendor/nhsuk-frontend"
rm -rf "$dest" && mkdir -p "$dest/assets"
sed 's|//# sourceMappingURL=.*$||' "$work/package/dist/nhsuk/nhsuk-frontend.min.js" > "$dest/nhsuk-frontend.min.js"
cp -r "$work/package/dist/nhsuk/assets/images" "$dest/assets/"
python3 - "$work/package/dist/nhsuk/nhsuk-frontend.min.css" "$dest/nhsuk-frontend.min.css" <<'PY'
import re, sys
css = open(sys.argv[1], encoding="utf-8").read()
css = re.sub(r"@font-face\{[^}]*assets\.nhs\.uk[^}]*\}", "", css)
css = css.replace("url(/assets/", "url(assets/")
css = re.sub(r"/\*# sourceMappingURL=[^*]*\*/", "", css)
assert "assets.nhs.uk" not in css, "an external URL is left in the CSS"
open(sys.argv[2], "w", encoding="utf-8").write(css)
PY
cat > "$dest/VERSION.md" <<MD
nhsuk-frontend $version, from the npm registry (MIT licence, Crown copyright / NHS England).
Produced by scripts/vendor-nhsuk-frontend.sh: dist/nhsuk/nhsuk-frontend.min.{css,js} and
dist/nhsuk/assets/images, with the assets.nhs.uk @font-face rules removed and image URLs made relative.
MD
cat > "$dest/LICENSE" <<'LIC'
The MIT License (MIT)

Copyright (c) NHS England

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction,
including without limitation the rights to use, copy, modify, merge, publish, distribute,
sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT
NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES
OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN
CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
LIC
echo "vendored nhsuk-frontend $version into $dest"
