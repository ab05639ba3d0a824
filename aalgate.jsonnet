// aalgate's claims mapper for Kratos's tokenized sessions (session.whoami.tokenizer.templates.<name>
// .claims_mapper_url; Kratos: session/tokenizer.go). Claims: acr, amr, auth_time, aal2_time,
// aal2_amr, session_exp, identity_id; times as NumericDates (seconds, fraction dropped). See
// aalgate's README, "Tokenized sessions". No imports (Kratos disables them); std functions that
// go-jsonnet and C++ jsonnet 0.18 both have. A time that is not RFC 3339 becomes a string claim,
// which aalgate refuses (error claim_<name>): never a guess.
local session = std.extVar('session');

local has(o, k) = std.isObject(o) && std.objectHas(o, k) && o[k] != null;
local get(o, k) = if has(o, k) then o[k] else null;

// ---- RFC 3339 -> seconds since the epoch, floored
local digit(s, i) = local p = std.codepoint(s[i]) - 48; if p >= 0 && p <= 9 then p else null;
local digits2(s, i) =
  local a = std.codepoint(s[i]) - 48, b = std.codepoint(s[i + 1]) - 48;
  if a < 0 || a > 9 || b < 0 || b > 9 then null else a * 10 + b;
local digits4(s, i) = local a = digits2(s, i), b = digits2(s, i + 2); if a == null || b == null then null else a * 100 + b;
// How many digits from `i` (up to 10: more than 9 is refused).
local digitRun(s, i, n) = if n < 10 && i + n < std.length(s) && digit(s, i + n) != null then digitRun(s, i, n + 1) else n;
local leap(y) = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
local monthDays(y, m) = if m == 2 then (if leap(y) then 29 else 28) else [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
local daysFromCivil(y0, m, d) =
  local y = if m <= 2 then y0 - 1 else y0;
  local era = std.floor(y / 400);
  local yoe = y - era * 400;
  local doy = std.floor((153 * (if m > 2 then m - 3 else m + 9) + 2) / 5) + d - 1;
  local doe = yoe * 365 + std.floor(yoe / 4) - std.floor(yoe / 100) + doy;
  era * 146097 + doe - 719468;

// [seconds, fraction is zero] for YYYY-MM-DDTHH:MM:SS[.1-9 digits](Z|±hh:mm), or null. (Arrays:
// an element is evaluated once, an object field at every access.)
local parseTime(s) =
  if !std.isString(s) || std.length(s) < 20 then null
  else
    local year = digits4(s, 0), month = digits2(s, 5), day = digits2(s, 8);
    local hour = digits2(s, 11), minute = digits2(s, 14), sec = digits2(s, 17);
    local shape = s[4] == '-' && s[7] == '-' && (s[10] == 'T' || s[10] == 't') && s[13] == ':' && s[16] == ':';
    if !shape || year == null || month == null || day == null || hour == null || minute == null || sec == null then null
    else if month < 1 || month > 12 || day < 1 || day > monthDays(year, month) || hour > 23 || minute > 59 || sec > 60 then null
    else
      local fracDigits = if s[19] == '.' then digitRun(s, 20, 0) else 0;
      local zoneAt = if s[19] == '.' then 20 + fracDigits else 19;
      local fractionOk = s[19] != '.' || (fracDigits >= 1 && fracDigits <= 9);
      local zeroFraction = fracDigits == 0 || std.substr(s, 20, fracDigits) == std.substr('000000000', 0, fracDigits);
      local zone = if zoneAt < std.length(s) then s[zoneAt] else '';
      local offset =
        if zone == 'Z' || zone == 'z' then (if zoneAt + 1 == std.length(s) then 0 else null)
        else if (zone == '+' || zone == '-') && zoneAt + 6 == std.length(s) && s[zoneAt + 3] == ':' then
          local offHour = digits2(s, zoneAt + 1), offMinute = digits2(s, zoneAt + 4);
          if offHour == null || offMinute == null || offHour > 23 || offMinute > 59 then null
          else (offHour * 3600 + offMinute * 60) * (if zone == '-' then -1 else 1)
        else null;
      if !fractionOk || offset == null then null
      // :60 (a leap second) is read as :59, as aalgate reads whoami.
      else [daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + std.min(sec, 59) - offset, zeroFraction];

// Go's zero time, 0001-01-01T00:00:00Z: a completion Kratos did not record.
local GO_ZERO = -62135596800;
local isGoZero(t) = t != null && t[0] == GO_ZERO && t[1];

local dateClaim(v) =
  if v == null then null
  else local t = parseTime(v); if t == null then std.toString(v) else t[0];

// ---- authentication methods
local methodsRaw = get(session, 'authentication_methods');
local methods = if std.isArray(methodsRaw) then methodsRaw else [];
local isStringOrNull(o, k) = !has(o, k) || std.isString(o[k]);
// [entry, its completed_at parsed]
local entries = std.map(function(m) [m, parseTime(get(m, 'completed_at'))], methods);
// As aalgate's whoami reader: method and aal strings, completed_at a timestamp (when not null).
local entryOk(e) =
  std.isObject(e[0]) && isStringOrNull(e[0], 'method') && isStringOrNull(e[0], 'aal') &&
  (!has(e[0], 'completed_at') || e[1] != null);
local methodsOk = (methodsRaw == null || std.isArray(methodsRaw)) &&
                  std.foldl(function(ok, e) ok && entryOk(e), entries, true);
local name(m) = if has(m, 'method') then m.method else '';
local aal2Entries = std.filter(function(e) std.isObject(e[0]) && (get(e[0], 'aal') == 'aal2' || get(e[0], 'aal') == 'aal3'), entries);
local newest = std.foldl(
  function(max, e) if e[1] == null || isGoZero(e[1]) || (max != null && e[1][0] <= max) then max else e[1][0],
  aal2Entries,
  null
);

local identity = get(session, 'identity');

local claims = {
  acr: if std.isObject(session) && std.objectHas(session, 'authenticator_assurance_level')
  then session.authenticator_assurance_level else null,
  amr: std.map(function(m) if std.isObject(m) then name(m) else std.toString(m), methods),
  auth_time: dateClaim(get(session, 'authenticated_at')),
  aal2_time: if methodsOk then newest else null,
  aal2_amr: if methodsOk then std.map(function(e) name(e[0]), aal2Entries)
  else 'authentication_methods is not a list of {method, aal, completed_at}',
  session_exp: dateClaim(get(session, 'expires_at')),
  identity_id: get(identity, 'id'),
};

{
  claims: {
    [if claims[k] != null then k]: claims[k]
    for k in std.objectFields(claims)
  },
}
