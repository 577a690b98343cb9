; Inno Setup script: dist\ferapp-<version>-setup.exe from the PyInstaller folder dist\ferapp.
; Built by `python dev.py package` (packaging\build.py passes /DAppVersion=<version>).
#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#ifndef NumericVersion
  #define NumericVersion "0.1.0.0"
#endif

[Setup]
AppId={{6F3C1F5E-2B1A-4C39-9E63-FE2A0B7D5C11}
AppName=ferapp
AppVersion={#AppVersion}
AppVerName=ferapp {#AppVersion}
VersionInfoVersion={#NumericVersion}
AppPublisher=ferapp
DefaultDirName={autopf}\ferapp
DefaultGroupName=ferapp
OutputDir=..\..\dist
OutputBaseFilename=ferapp-{#AppVersion}-setup
SetupIconFile=..\..\build\packaging\ferapp.ico
Compression=lzma2
SolidCompression=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
PrivilegesRequiredOverridesAllowed=dialog
UninstallDisplayIcon={app}\ferapp.exe
ChangesEnvironment=yes

[Files]
Source: "..\..\dist\ferapp\*"; DestDir: "{app}"; Flags: recursesubdirs ignoreversion

[Tasks]
Name: "desktopicon"; Description: "Create a desktop icon"; Flags: unchecked
Name: "addtopath"; Description: "Add ferapp-cli (the command line) to PATH"

[Icons]
Name: "{group}\ferapp"; Filename: "{app}\ferapp.exe"
Name: "{group}\ferapp command line"; Filename: "{cmd}"; Parameters: "/k ferapp-cli.exe --help"; WorkingDir: "{app}"
Name: "{group}\Uninstall ferapp"; Filename: "{uninstallexe}"
Name: "{autodesktop}\ferapp"; Filename: "{app}\ferapp.exe"; Tasks: desktopicon

[Registry]
Root: HKA; Subkey: "{code:EnvironmentKey}"; ValueType: expandsz; ValueName: "Path"; ValueData: "{olddata};{app}"; Tasks: addtopath; Check: NeedsAddPath(ExpandConstant('{app}'))

[Run]
Filename: "{app}\ferapp.exe"; Description: "Start ferapp"; Flags: nowait postinstall skipifsilent

[Code]
function EnvironmentKey(Param: String): String;
begin
  if IsAdminInstallMode then
    Result := 'SYSTEM\CurrentControlSet\Control\Session Manager\Environment'
  else
    Result := 'Environment';
end;

function NeedsAddPath(Dir: String): Boolean;
var
  Paths: String;
begin
  if not RegQueryStringValue(HKA, EnvironmentKey(''), 'Path', Paths) then
    Paths := '';
  Result := Pos(';' + Uppercase(Dir) + ';', ';' + Uppercase(Paths) + ';') = 0;
end;

procedure RemoveFromPath(Dir: String);
var
  Paths, Padded: String;
  P: Integer;
begin
  if not RegQueryStringValue(HKA, EnvironmentKey(''), 'Path', Paths) then
    exit;
  { whole entries only: ;C:\...\ferapp; and not a longer path that starts the same }
  Padded := ';' + Paths + ';';
  P := Pos(';' + Uppercase(Dir) + ';', Uppercase(Padded));
  if P = 0 then
    exit;
  Delete(Padded, P, Length(Dir) + 1);
  Paths := Copy(Padded, 2, Length(Padded) - 2);
  RegWriteExpandStringValue(HKA, EnvironmentKey(''), 'Path', Paths);
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  Data, Settings: String;
begin
  if CurUninstallStep = usUninstall then
    RemoveFromPath(ExpandConstant('{app}'));
  if CurUninstallStep = usPostUninstall then
  begin
    Data := ExpandConstant('{localappdata}\ferapp');
    Settings := ExpandConstant('{userappdata}\ferapp');
    { a silent uninstall keeps them; otherwise the user decides }
    if (DirExists(Data) or DirExists(Settings)) and not UninstallSilent then
      if SuppressibleMsgBox('Also remove your ferapp settings, logs and caches?' + #13#10 +
                            Settings + #13#10 + Data,
                            mbConfirmation, MB_YESNO or MB_DEFBUTTON2, IDNO) = IDYES then
      begin
        DelTree(Data, True, True, True);
        DelTree(Settings, True, True, True);
      end;
  end;
end;
