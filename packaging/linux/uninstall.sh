#!/bin/sh
# Removes what install.sh installed (listed in installed-files next to this script), stops
# tel:/callto: links opening Dialer, and deletes the program folder. Settings, history and
# secrets stay: see "Uninstall" in README.md to remove those too.
set -eu

lib=$(cd "$(dirname "$0")" && pwd)
manifest=$lib/installed-files
if [ ! -f "$manifest" ] || [ ! -x "$lib/dialer" ]; then
  echo "uninstall.sh: $lib is not a Dialer install (no installed-files)" >&2
  exit 1
fi

# The app's own unregistering: drops dialer.desktop from mimeapps.list's defaults, leaving
# other apps' lines alone (dialer/handlers.py).
"$lib/dialer" --unregister-handlers >/dev/null 2>&1 || true

while IFS= read -r file; do
  case "$file" in
    */bin/dialer) [ -L "$file" ] && rm -f "$file" ;;
    *) rm -f "$file" ;;
  esac
done < "$manifest"

absolute() { case "$1" in /*) printf '%s' "$1" ;; *) printf '%s' "$2" ;; esac; }
data=$(absolute "${XDG_DATA_HOME:-}" "$HOME/.local/share")
if command -v update-desktop-database >/dev/null 2>&1 && [ -d "$data/applications" ]; then
  update-desktop-database "$data/applications" >/dev/null 2>&1 || true
fi

rm -rf "$lib"
echo "Dialer removed (settings and history are kept; see README.md > Uninstall)"
