#!/bin/sh
# Build dist/ferapp-<arch>.AppImage from the PyInstaller folder dist/ferapp (built first when
# missing). Needs appimagetool: on PATH, or its path in $APPIMAGETOOL. Without it the
# AppDir is still assembled in build/ferapp.AppDir (runnable as build/ferapp.AppDir/AppRun).
set -eu
cd "$(dirname "$0")/../.."
arch=$(uname -m)
[ -x dist/ferapp/ferapp ] || python3 dev.py package --no-installer
appdir=build/ferapp.AppDir
rm -rf "$appdir"
mkdir -p "$appdir/usr/lib" "$appdir/usr/share/applications" "$appdir/usr/share/icons/hicolor/scalable/apps"
cp -a dist/ferapp "$appdir/usr/lib/ferapp"
cp packaging/linux/ferapp.desktop "$appdir/ferapp.desktop"
cp packaging/linux/ferapp.desktop "$appdir/usr/share/applications/ferapp.desktop"
cp resources/ferapp.svg "$appdir/ferapp.svg"
cp resources/ferapp.svg "$appdir/usr/share/icons/hicolor/scalable/apps/ferapp.svg"
ln -s ferapp.svg "$appdir/.DirIcon"
cat > "$appdir/AppRun" <<'RUN'
#!/bin/sh
# The window, or a subcommand (ferapp analyze|train|evaluate ...) with arguments.
here=$(dirname "$(readlink -f "$0")")
exec "$here/usr/lib/ferapp/ferapp" "$@"
RUN
chmod +x "$appdir/AppRun"
tool=${APPIMAGETOOL:-$(command -v appimagetool || true)}
if [ -z "$tool" ]; then
  echo "AppDir ready in $appdir; install appimagetool (or set APPIMAGETOOL) to pack it" >&2
  exit 2
fi
ARCH=$arch "$tool" --no-appstream "$appdir" "dist/ferapp-$arch.AppImage"
echo "built dist/ferapp-$arch.AppImage"
