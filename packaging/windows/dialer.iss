; Inno Setup script: the Dialer installer for Windows (per user, no administrator rights).
;
;   iscc /DAppVersion=0.1.0 packaging\windows\dialer.iss     (packaging\windows\build.ps1 does it)
;
; Installs the PyInstaller bundle (build\bundle\dialer, from packaging\dialer.spec), a Start menu
; entry, optional autostart and desktop icon, and registers dialer-gui.exe for tel: and callto:
; links with exactly the keys `dialer --register-handlers` writes (dialer\handlers.py), so the
; app's own Preferences toggle and the installer agree; tests\packaging\test_recipes.py checks it.
; Uninstalling lets the app unregister itself, then removes every key listed here.
;
; dialer-gui.exe is the windowed twin of dialer.exe (same program, no console window): links,
; the Start menu and autostart use it; dialer.exe is the command line.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "Dialer"
#define GuiExe "dialer-gui.exe"
#define CliExe "dialer.exe"
#define BundleDir "..\..\build\bundle\dialer"

[Setup]
AppId={{6F1C8D2A-3B57-4E8B-9C1D-2A7E5B0F4D31}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=Dialer
AppComments=Desktop click-to-call
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=dialer-{#AppVersion}-windows-x64-setup
SetupIconFile=..\..\build\icons\dialer.ico
UninstallDisplayIcon={app}\{#GuiExe}
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes
ChangesAssociations=yes

[Tasks]
Name: "autostart"; Description: "Start {#AppName} when I sign in (minimized to the tray)"; Flags: unchecked
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#GuiExe}"; Comment: "Desktop click-to-call"
Name: "{group}\Uninstall {#AppName}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#GuiExe}"; Tasks: desktopicon

[Registry]
; Autostart: the value dialer\autostart.py's WindowsRun writes (Preferences > Start at login).
Root: HKCU; Subkey: "Software\Microsoft\Windows\CurrentVersion\Run"; ValueType: string; ValueName: "Dialer"; ValueData: """{app}\{#GuiExe}"" --minimized"; Flags: uninsdeletevalue; Tasks: autostart
; The ProgIDs: what Default Apps associates the schemes with.
Root: HKCU; Subkey: "Software\Classes\Dialer.tel"; ValueType: string; ValueName: ""; ValueData: "Dialer tel: link"; Flags: uninsdeletekey
Root: HKCU; Subkey: "Software\Classes\Dialer.tel"; ValueType: string; ValueName: "URL Protocol"; ValueData: ""
Root: HKCU; Subkey: "Software\Classes\Dialer.tel\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\{#GuiExe},0"
Root: HKCU; Subkey: "Software\Classes\Dialer.tel\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#GuiExe}"" ""%1"""
Root: HKCU; Subkey: "Software\Classes\Dialer.callto"; ValueType: string; ValueName: ""; ValueData: "Dialer callto: link"; Flags: uninsdeletekey
Root: HKCU; Subkey: "Software\Classes\Dialer.callto"; ValueType: string; ValueName: "URL Protocol"; ValueData: ""
Root: HKCU; Subkey: "Software\Classes\Dialer.callto\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\{#GuiExe},0"
Root: HKCU; Subkey: "Software\Classes\Dialer.callto\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#GuiExe}"" ""%1"""
; The scheme keys: what Windows uses while the user has made no choice. Taken only when free or
; already the dialer's (another phone app keeps its own), and marked so uninstall knows.
Root: HKCU; Subkey: "Software\Classes\tel"; ValueType: string; ValueName: ""; ValueData: "URL:tel"; Flags: uninsdeletekey; Check: SchemeIsFree('tel')
Root: HKCU; Subkey: "Software\Classes\tel"; ValueType: string; ValueName: "URL Protocol"; ValueData: ""; Check: SchemeIsFree('tel')
Root: HKCU; Subkey: "Software\Classes\tel"; ValueType: string; ValueName: "X-Dialer-Handler"; ValueData: "1"; Check: SchemeIsFree('tel')
Root: HKCU; Subkey: "Software\Classes\tel\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\{#GuiExe},0"; Check: SchemeIsFree('tel')
Root: HKCU; Subkey: "Software\Classes\tel\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#GuiExe}"" ""%1"""; Check: SchemeIsFree('tel')
Root: HKCU; Subkey: "Software\Classes\callto"; ValueType: string; ValueName: ""; ValueData: "URL:callto"; Flags: uninsdeletekey; Check: SchemeIsFree('callto')
Root: HKCU; Subkey: "Software\Classes\callto"; ValueType: string; ValueName: "URL Protocol"; ValueData: ""; Check: SchemeIsFree('callto')
Root: HKCU; Subkey: "Software\Classes\callto"; ValueType: string; ValueName: "X-Dialer-Handler"; ValueData: "1"; Check: SchemeIsFree('callto')
Root: HKCU; Subkey: "Software\Classes\callto\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\{#GuiExe},0"; Check: SchemeIsFree('callto')
Root: HKCU; Subkey: "Software\Classes\callto\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#GuiExe}"" ""%1"""; Check: SchemeIsFree('callto')
; Listed in Settings > Apps > Default apps.
Root: HKCU; Subkey: "Software\Dialer"; Flags: uninsdeletekeyifempty
Root: HKCU; Subkey: "Software\Dialer\Capabilities"; ValueType: string; ValueName: "ApplicationName"; ValueData: "Dialer"; Flags: uninsdeletekey
Root: HKCU; Subkey: "Software\Dialer\Capabilities"; ValueType: string; ValueName: "ApplicationDescription"; ValueData: "Click-to-call dialer"
Root: HKCU; Subkey: "Software\Dialer\Capabilities\URLAssociations"; ValueType: string; ValueName: "tel"; ValueData: "Dialer.tel"
Root: HKCU; Subkey: "Software\Dialer\Capabilities\URLAssociations"; ValueType: string; ValueName: "callto"; ValueData: "Dialer.callto"
Root: HKCU; Subkey: "Software\RegisteredApplications"; ValueType: string; ValueName: "Dialer"; ValueData: "Software\Dialer\Capabilities"; Flags: uninsdeletevalue

[Run]
Filename: "{app}\{#GuiExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallRun]
; The app removes what it considers its own (also keys it wrote itself from Preferences).
Filename: "{app}\{#CliExe}"; Parameters: "--unregister-handlers"; Flags: runhidden waituntilterminated; RunOnceId: "UnregisterHandlers"

[Code]
{ A scheme key is free when it has no open command, or when it is already the dialer's. }
function SchemeIsFree(Scheme: String): Boolean;
var
  Marker: String;
begin
  Result := (not RegKeyExists(HKCU, 'Software\Classes\' + Scheme + '\shell\open\command')) or
    (RegQueryStringValue(HKCU, 'Software\Classes\' + Scheme, 'X-Dialer-Handler', Marker) and (Marker = '1'));
end;

{ "Start at login" switched on later from Preferences writes the Run value without the task:
  remove it too when it starts this installation. }
procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  Command: String;
begin
  if CurUninstallStep = usUninstall then
    if RegQueryStringValue(HKCU, 'Software\Microsoft\Windows\CurrentVersion\Run', 'Dialer', Command) and
       (Pos(Lowercase(ExpandConstant('{app}')), Lowercase(Command)) > 0) then
      RegDeleteValue(HKCU, 'Software\Microsoft\Windows\CurrentVersion\Run', 'Dialer');
end;
