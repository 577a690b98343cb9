#!/bin/sh
# Install the unpacked ferapp folder for the current user: a menu entry with its icon and
# a `ferapp` command in ~/.local/bin. The folder may live anywhere (any name, spaces too).
#
#   sh install.sh                 install (again: updates the entry)
#   sh install.sh --uninstall     remove the menu entry and the command; asks whether to
#                                 remove your settings, logs and caches as well
#   sh install.sh --uninstall --purge      ... and remove them without asking
#   sh install.sh --uninstall --keep-data  ... and keep them without asking
set -eu
here=$(cd "$(dirname "$0")" && pwd)
apps="${XDG_DATA_HOME:-$HOME/.local/share}/applications"
icons="${XDG_DATA_HOME:-$HOME/.local/share}/icons/hicolor/scalable/apps"
bin="$HOME/.local/bin"
# what ferapp writes for you: settings; logs and Keras's folder; converted models
user_data="${XDG_CONFIG_HOME:-$HOME/.config}/ferapp
${XDG_DATA_HOME:-$HOME/.local/share}/ferapp
${XDG_CACHE_HOME:-$HOME/.cache}/ferapp"

if [ "${1:-}" = "--uninstall" ]; then
  rm -f "$bin/ferapp" "$apps/ferapp.desktop" "$icons/ferapp.svg"
  echo "ferapp removed from the menu and from $bin."
  existing=$(printf '%s\n' "$user_data" | while IFS= read -r d; do [ -e "$d" ] && printf '%s\n' "$d"; done || true)
  if [ -n "$existing" ]; then
    choice=${2:-}
    if [ -z "$choice" ] && [ -t 0 ]; then
      printf 'Also remove your ferapp settings, logs and caches?\n%s\n[y/N] ' "$existing"
      read -r answer || answer=
      case "$answer" in [yY]*) choice=--purge ;; *) choice=--keep-data ;; esac
    fi
    if [ "$choice" = "--purge" ]; then
      printf '%s\n' "$existing" | while IFS= read -r d; do rm -rf -- "$d"; done
      echo "Your ferapp settings, logs and caches are removed."
    else
      echo "Kept your ferapp settings, logs and caches in:"
      printf '  %s\n' "$existing"
      echo "Remove them with: sh install.sh --uninstall --purge"
    fi
  fi
  echo "Delete the folder $here to remove ferapp's own files."
  exit 0
fi

mkdir -p "$apps" "$icons" "$bin"
ln -sf "$here/ferapp" "$bin/ferapp"
cp "$here/ferapp.svg" "$icons/ferapp.svg"
# The Desktop Entry rules: the program's path in double quotes with \ " ` $ escaped by a
# backslash, and every backslash doubled once more by the file's own escaping. A path
# with % (which would be %%) is refused by GLib's launchers: the entry then starts the
# ~/.local/bin link instead.
program="$here/ferapp"
case "$program" in *%*) program="$bin/ferapp" ;; esac
quoted=$(printf '%s' "$program" | sed -e 's/\\/\\\\\\\\/g' -e 's/["`$]/\\\\&/g')
FERAPP_EXEC="\"$quoted\"" awk '/^Exec=/ { print "Exec=" ENVIRON["FERAPP_EXEC"]; next } { print }' \
  "$here/ferapp.desktop" > "$apps/ferapp.desktop"
echo "ferapp installed: find it in your applications menu, or run 'ferapp'."
case ":$PATH:" in *":$bin:"*) ;; *) echo "(Add $bin to your PATH to run 'ferapp' in a terminal.)" ;; esac
