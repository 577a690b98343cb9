; Inno Setup script: dist\ferapp-<version>-setup.exe from the PyInstaller folder dist\ferapp.
; Built by `python dev.py package` (packaging\build.py passes /DAppVersion=<version>).
#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif

[Setup]
AppId={{6F3C1F5E-2B1A-4C39-9E63-FE2A0B7D5C11}
AppName=ferapp
AppVersion={#AppVersion}
AppVerName=ferapp {#AppVersion}
VersionInfoVersion={#AppVersion}
AppPublisher=ferapp
DefaultDirName={autopf}\ferapp
DefaultGroupName=ferapp
OutputDir=..\..\dist
OutputBaseFilename=ferapp-{#AppVersion}-setup
SetupIconFile=..\..\build\packaging\ferapp.ico
Compression=lzma2
SolidCompression=yes
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
  Paths: String;
  P: Integer;
begin
  if not RegQueryStringValue(HKA, EnvironmentKey(''), 'Path', Paths) then
    exit;
  P := Pos(';' + Uppercase(Dir), Uppercase(Paths));
  if P > 0 then
  begin
    Delete(Paths, P, Length(Dir) + 1);
    RegWriteExpandStringValue(HKA, EnvironmentKey(''), 'Path', Paths);
  end;
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  Data: String;
begin
  if CurUninstallStep = usUninstall then
    RemoveFromPath(ExpandConstant('{app}'));
  if CurUninstallStep = usPostUninstall then
  begin
    Data := ExpandConstant('{localappdata}\ferapp');
    if DirExists(Data) or DirExists(ExpandConstant('{userappdata}\ferapp')) then
      if MsgBox('Also remove your ferapp settings, logs and caches?' + #13#10 + Data,
                mbConfirmation, MB_YESNO or MB_DEFBUTTON2) = IDYES then
      begin
        DelTree(Data, True, True, True);
        DelTree(ExpandConstant('{userappdata}\ferapp'), True, True, True);
      end;
  end;
end;
