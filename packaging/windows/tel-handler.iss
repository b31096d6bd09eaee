; Inno Setup fragment: include it in the installer script ([Registry] entries for tel: and
; callto:, per user, removed on uninstall). The same keys `dialer --register-handlers` writes
; (dialer/handlers.py). Uses {app}\dialer-gui.exe, the windowed entry point.
;
;   #include "tel-handler.iss"
;
; HKCU with PrivilegesRequired=lowest installs for the current user without elevation.

[Registry]
; The ProgIDs: what Default Apps associates the schemes with.
Root: HKCU; Subkey: "Software\Classes\Dialer.tel"; ValueType: string; ValueName: ""; ValueData: "Dialer tel: link"; Flags: uninsdeletekey
Root: HKCU; Subkey: "Software\Classes\Dialer.tel"; ValueType: string; ValueName: "URL Protocol"; ValueData: ""
Root: HKCU; Subkey: "Software\Classes\Dialer.tel\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\dialer-gui.exe,0"
Root: HKCU; Subkey: "Software\Classes\Dialer.tel\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\dialer-gui.exe"" ""%1"""
Root: HKCU; Subkey: "Software\Classes\Dialer.callto"; ValueType: string; ValueName: ""; ValueData: "Dialer callto: link"; Flags: uninsdeletekey
Root: HKCU; Subkey: "Software\Classes\Dialer.callto"; ValueType: string; ValueName: "URL Protocol"; ValueData: ""
Root: HKCU; Subkey: "Software\Classes\Dialer.callto\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\dialer-gui.exe,0"
Root: HKCU; Subkey: "Software\Classes\Dialer.callto\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\dialer-gui.exe"" ""%1"""
; The scheme keys: used while the user has made no choice; only created when free (Check).
Root: HKCU; Subkey: "Software\Classes\tel"; ValueType: string; ValueName: ""; ValueData: "URL:tel"; Flags: uninsdeletekey; Check: SchemeIsFree('tel')
Root: HKCU; Subkey: "Software\Classes\tel"; ValueType: string; ValueName: "URL Protocol"; ValueData: ""; Check: SchemeIsFree('tel')
Root: HKCU; Subkey: "Software\Classes\tel"; ValueType: string; ValueName: "X-Dialer-Handler"; ValueData: "1"; Check: SchemeIsFree('tel')
Root: HKCU; Subkey: "Software\Classes\tel\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\dialer-gui.exe"" ""%1"""; Check: SchemeIsFree('tel')
Root: HKCU; Subkey: "Software\Classes\callto"; ValueType: string; ValueName: ""; ValueData: "URL:callto"; Flags: uninsdeletekey; Check: SchemeIsFree('callto')
Root: HKCU; Subkey: "Software\Classes\callto"; ValueType: string; ValueName: "URL Protocol"; ValueData: ""; Check: SchemeIsFree('callto')
Root: HKCU; Subkey: "Software\Classes\callto"; ValueType: string; ValueName: "X-Dialer-Handler"; ValueData: "1"; Check: SchemeIsFree('callto')
Root: HKCU; Subkey: "Software\Classes\callto\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\dialer-gui.exe"" ""%1"""; Check: SchemeIsFree('callto')
; Listed in Settings > Apps > Default apps.
Root: HKCU; Subkey: "Software\Dialer"; Flags: uninsdeletekeyifempty
Root: HKCU; Subkey: "Software\Dialer\Capabilities"; ValueType: string; ValueName: "ApplicationName"; ValueData: "Dialer"; Flags: uninsdeletekey
Root: HKCU; Subkey: "Software\Dialer\Capabilities"; ValueType: string; ValueName: "ApplicationDescription"; ValueData: "Click-to-call dialer"
Root: HKCU; Subkey: "Software\Dialer\Capabilities\URLAssociations"; ValueType: string; ValueName: "tel"; ValueData: "Dialer.tel"
Root: HKCU; Subkey: "Software\Dialer\Capabilities\URLAssociations"; ValueType: string; ValueName: "callto"; ValueData: "Dialer.callto"
Root: HKCU; Subkey: "Software\RegisteredApplications"; ValueType: string; ValueName: "Dialer"; ValueData: "Software\Dialer\Capabilities"; Flags: uninsdeletevalue

[Code]
{ A scheme key is free when it has no open command, or when it is already the dialer's. }
function SchemeIsFree(Scheme: String): Boolean;
var
  Marker: String;
begin
  Result := (not RegKeyExists(HKCU, 'Software\Classes\' + Scheme + '\shell\open\command')) or
    (RegQueryStringValue(HKCU, 'Software\Classes\' + Scheme, 'X-Dialer-Handler', Marker) and (Marker = '1'));
end;
