; Inno Setup script: builds dist\ferapp-setup.exe from the PyInstaller folder dist\ferapp.
; Run after `pyinstaller packaging\ferapp.spec`:  iscc packaging\windows\ferapp.iss
#define AppVersion GetEnv("FERAPP_VERSION")
#if AppVersion == ""
  #define AppVersion "0.1.0"
#endif

[Setup]
AppId={{6F3C1F5E-2B1A-4C39-9E63-FE2A0B7D5C11}
AppName=ferapp
AppVersion={#AppVersion}
AppPublisher=ferapp
DefaultDirName={autopf}\ferapp
DefaultGroupName=ferapp
OutputDir=..\..\dist
OutputBaseFilename=ferapp-setup
Compression=lzma2
SolidCompression=yes
ArchitecturesInstallIn64BitMode=x64compatible
PrivilegesRequiredOverridesAllowed=dialog
UninstallDisplayIcon={app}\ferapp.exe

[Files]
Source: "..\..\dist\ferapp\*"; DestDir: "{app}"; Flags: recursesubdirs ignoreversion

[Icons]
Name: "{group}\ferapp"; Filename: "{app}\ferapp.exe"
Name: "{group}\Uninstall ferapp"; Filename: "{uninstallexe}"
Name: "{autodesktop}\ferapp"; Filename: "{app}\ferapp.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "Create a desktop icon"; Flags: unchecked

[Run]
Filename: "{app}\ferapp.exe"; Description: "Start ferapp"; Flags: nowait postinstall skipifsilent
