#!/bin/sh
# Build the Linux archive: dist/ferapp-linux-x86_64.tar.gz (unpack, run ./install.sh).
set -eu
cd "$(dirname "$0")/../.."
python -m PyInstaller --noconfirm --distpath dist --workpath build packaging/ferapp.spec
cp packaging/linux/ferapp.desktop packaging/linux/install.sh resources/ferapp.svg dist/ferapp/
tar -C dist -czf "dist/ferapp-linux-$(uname -m).tar.gz" ferapp
echo "built dist/ferapp-linux-$(uname -m).tar.gz"
