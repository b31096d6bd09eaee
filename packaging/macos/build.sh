#!/usr/bin/env bash
# Builds dist/Dialer.app (PyInstaller BUNDLE with packaging/macos/Info.plist) and a zip of it.
# Run on macOS 11+ with Python 3.11+ (python.org or Homebrew) and the Xcode command line tools
# (iconutil, codesign, ditto). Creates .venv with the `package` extra if missing.
#
# Signing and notarizing (not done here: it needs an Apple Developer ID) — see packaging/README.md:
#   codesign --force --deep --options runtime --timestamp \
#            --sign "Developer ID Application: NAME (TEAMID)" build/bundle/Dialer.app
#   ditto -c -k --keepParent build/bundle/Dialer.app dist/Dialer.zip
#   xcrun notarytool submit dist/Dialer.zip --keychain-profile NOTARY --wait
#   xcrun stapler staple build/bundle/Dialer.app
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
py=.venv/bin/python
"$py" -m pip install -q --disable-pip-version-check -e ".[package]"
version=$("$py" -c 'import dialer; print(dialer.__version__)')

# dialer.icns from the PNG set rendered out of resources/dialer.svg (16..1024 px).
rm -rf build/icons
QT_QPA_PLATFORM=offscreen "$py" packaging/icons.py build/icons --iconset
iconutil -c icns build/icons/dialer.iconset -o build/icons/dialer.icns

"$py" -m PyInstaller --noconfirm --log-level WARN \
  --distpath build/bundle --workpath build/pyinstaller packaging/dialer.spec
app=build/bundle/Dialer.app
"$app/Contents/MacOS/dialer" --version
/usr/libexec/PlistBuddy -c "Print :CFBundleURLTypes" "$app/Contents/Info.plist"

# Ad-hoc signature so Apple silicon runs it locally; replace with a Developer ID (above) to ship.
codesign --force --deep --sign - "$app"
mkdir -p dist
ditto -c -k --keepParent "$app" "dist/Dialer-$version-macos-$(uname -m).zip"
echo "app: $app ($(du -sh "$app" | cut -f1)); zip: dist/Dialer-$version-macos-$(uname -m).zip"
