#!/bin/sh
# Installs Dialer for the current user (no root) from this unpacked tarball:
#
#   ~/.local/lib/dialer/          the program (override with DIALER_INSTALL_DIR)
#   ~/.local/bin/dialer           a link to it, for the command line
#   $XDG_DATA_HOME/applications/dialer.desktop, $XDG_DATA_HOME/icons/hicolor/*/apps/dialer.*
#                                 ($XDG_DATA_HOME defaults to ~/.local/share)
#
# and makes Dialer the handler of tel: and callto: links with xdg-mime when it is available
# (skip with --no-handlers). Run ~/.local/lib/dialer/uninstall.sh to remove it all again.
set -eu

handlers=1
for arg in "$@"; do
  case "$arg" in
    --no-handlers) handlers=0 ;;
    *) echo "usage: install.sh [--no-handlers]" >&2; exit 2 ;;
  esac
done

here=$(cd "$(dirname "$0")" && pwd)
absolute() { case "$1" in /*) printf '%s' "$1" ;; *) printf '%s' "$2" ;; esac; }
data=$(absolute "${XDG_DATA_HOME:-}" "$HOME/.local/share")
lib=${DIALER_INSTALL_DIR:-$HOME/.local/lib/dialer}
bin=$HOME/.local/bin
manifest=$lib/installed-files

case "$lib" in
  *[\"\`\$\\]*) echo "install.sh: the install folder may not contain \" \` \$ or \\: $lib" >&2; exit 1 ;;
esac
if [ ! -x "$here/dialer/dialer" ]; then
  echo "install.sh: run me from the unpacked tarball (no dialer/dialer next to me)" >&2
  exit 1
fi

# An earlier install is replaced, but only a folder this script made is ever deleted.
if [ -e "$lib" ]; then
  if [ ! -f "$manifest" ]; then
    echo "install.sh: $lib exists and is not a Dialer install; remove it or set DIALER_INSTALL_DIR" >&2
    exit 1
  fi
  rm -rf "$lib"
fi
mkdir -p "$(dirname "$lib")" "$bin" "$data/applications"
cp -a "$here/dialer" "$lib"
cp "$here/uninstall.sh" "$lib/uninstall.sh"
chmod 755 "$lib/uninstall.sh"
: > "$manifest"
record() { printf '%s\n' "$1" >> "$manifest"; }

ln -sfn "$lib/dialer" "$bin/dialer"
record "$bin/dialer"

# The launcher entry, pointing at this install. Exec quoting per the Desktop Entry spec: a path
# with a space is double-quoted (the characters that would need escaping were refused above).
exe="$lib/dialer"
case "$exe" in *" "*) exec_arg="\"$exe\"" ;; *) exec_arg=$exe ;; esac
sed -e "s|^Exec=.*|Exec=$exec_arg %u|" -e "s|^TryExec=.*|TryExec=$exe|" \
  "$here/share/applications/dialer.desktop" > "$data/applications/dialer.desktop"
record "$data/applications/dialer.desktop"

(cd "$here/share/icons" && find hicolor -type f) | while IFS= read -r icon; do
  mkdir -p "$data/icons/$(dirname "$icon")"
  cp "$here/share/icons/$icon" "$data/icons/$icon"
  record "$data/icons/$icon"
done

if command -v update-desktop-database >/dev/null 2>&1; then
  update-desktop-database "$data/applications" >/dev/null 2>&1 || true
fi
if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f "$data/icons/hicolor/index.theme" ]; then
  gtk-update-icon-cache -q -t "$data/icons/hicolor" >/dev/null 2>&1 || true
fi
if [ "$handlers" = 1 ]; then
  if command -v xdg-mime >/dev/null 2>&1; then
    xdg-mime default dialer.desktop x-scheme-handler/tel x-scheme-handler/callto
    echo "tel: and callto: links now open Dialer"
  else
    echo "xdg-mime not found: run 'dialer --register-handlers' to open tel: links with Dialer"
  fi
fi

echo "Dialer installed in $lib; start it from the applications menu or run: $bin/dialer"
case ":$PATH:" in *":$bin:"*) ;; *) echo "($bin is not on your PATH)" ;; esac
echo "Remove it with: $lib/uninstall.sh"
