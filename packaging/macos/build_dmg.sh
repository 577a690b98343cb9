#!/bin/sh
# Build dist/ferapp.dmg from the .app bundle that packaging/ferapp.spec makes on macOS.
set -eu
cd "$(dirname "$0")/../.."
python -m PyInstaller --noconfirm --distpath dist --workpath build packaging/ferapp.spec
rm -f dist/ferapp.dmg
hdiutil create -volname ferapp -srcfolder dist/ferapp.app -ov -format UDZO dist/ferapp.dmg
echo "built dist/ferapp.dmg (drag ferapp.app to Applications; delete it there to uninstall)"
