# Builds the Windows bundle and installer:
#   build\bundle\dialer\ (dialer.exe + dialer-gui.exe)   PyInstaller, packaging\dialer.spec
#   dist\dialer-<version>-windows-x64-setup.exe          Inno Setup 6, packaging\windows\dialer.iss
#
# Run from any folder in PowerShell 5+ on Windows 10/11 x64, with Python 3.11+ and Inno Setup 6
# (winget install JRSoftware.InnoSetup). Creates .venv with the `package` extra if missing.
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1 [-SkipInstaller]
param([switch]$SkipInstaller)
$ErrorActionPreference = "Stop"
$root = Resolve-Path (Join-Path $PSScriptRoot "..\..")
Set-Location $root

$py = Join-Path $root ".venv\Scripts\python.exe"
if (-not (Test-Path $py)) {
    py -3 -m venv .venv
    if ($LASTEXITCODE -ne 0) { throw "could not create .venv (is Python 3.11+ installed?)" }
}
& $py -m pip install -q --disable-pip-version-check -e ".[package]"
if ($LASTEXITCODE -ne 0) { throw "pip install failed" }
$version = (& $py -c "import dialer; print(dialer.__version__)").Trim()

# The executables' and installer's icon, rendered from resources\dialer.svg.
$env:QT_QPA_PLATFORM = "offscreen"
& $py packaging\icons.py build\icons --ico
if ($LASTEXITCODE -ne 0) { throw "icon rendering failed" }
Remove-Item Env:QT_QPA_PLATFORM

& $py -m PyInstaller --noconfirm --log-level WARN --distpath build\bundle --workpath build\pyinstaller packaging\dialer.spec
if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed" }
$bundle = Join-Path $root "build\bundle\dialer"
& (Join-Path $bundle "dialer.exe") --version
if ($LASTEXITCODE -ne 0) { throw "the bundle does not start" }
$size = (Get-ChildItem $bundle -Recurse -File | Measure-Object -Property Length -Sum).Sum / 1MB
"bundle: $bundle ({0:N0} MB)" -f $size

if ($SkipInstaller) { return }
$iscc = (Get-Command iscc.exe -ErrorAction SilentlyContinue).Source
if (-not $iscc) {
    $iscc = @("${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe", "$env:ProgramFiles\Inno Setup 6\ISCC.exe",
              "$env:LOCALAPPDATA\Programs\Inno Setup 6\ISCC.exe") | Where-Object { Test-Path $_ } | Select-Object -First 1
}
if (-not $iscc) { throw "Inno Setup 6 (ISCC.exe) not found: winget install JRSoftware.InnoSetup" }
& $iscc "/DAppVersion=$version" packaging\windows\dialer.iss
if ($LASTEXITCODE -ne 0) { throw "ISCC failed" }
"installer: dist\dialer-$version-windows-x64-setup.exe"
