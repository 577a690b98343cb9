#!/bin/sh
# Install the unpacked ferapp folder for the current user: a launcher in ~/.local/bin and a
# menu entry. Uninstall with:  sh install.sh --uninstall
set -eu
here=$(cd "$(dirname "$0")" && pwd)
apps="${XDG_DATA_HOME:-$HOME/.local/share}/applications"
icons="${XDG_DATA_HOME:-$HOME/.local/share}/icons/hicolor/scalable/apps"
bin="$HOME/.local/bin"
if [ "${1:-}" = "--uninstall" ]; then
  rm -f "$bin/ferapp" "$apps/ferapp.desktop" "$icons/ferapp.svg"
  echo "ferapp removed from the menu; delete $here to remove its files."
  exit 0
fi
mkdir -p "$apps" "$icons" "$bin"
ln -sf "$here/ferapp" "$bin/ferapp"
cp "$here/ferapp.svg" "$icons/ferapp.svg"
sed "s|^Exec=.*|Exec=$here/ferapp|" "$here/ferapp.desktop" > "$apps/ferapp.desktop"
echo "ferapp installed: find it in your applications menu, or run 'ferapp'."
