/* win32/security.c - mode bits and owners for Windows sections.
 *
 * A section has a security descriptor, not mode bits. shmspy keeps its
 * promise of "mode 0600 unless told otherwise" on Windows by creating
 * sections with a protected DACL built from the mode: the owner bits go
 * to the creating user, the group bits to the user's primary group, the
 * other bits to Everyone (r: read and query, w: write, x: execute views).
 * Reading a mode back (stat, list) reverses that mapping over the
 * allow-ACEs for those three SIDs; ACEs for anyone else (SYSTEM,
 * administrators) do not appear in the bits. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

#include <aclapi.h> /* after windows.h, which they need */
#include <sddl.h>

/* A SID of the current process's token (TokenUser or TokenPrimaryGroup)
 * as SDDL text ("S-1-5-21-..."), in out; -1 if it cannot be read. */
static int token_sid(TOKEN_INFORMATION_CLASS what, WCHAR *out, size_t cap) {
    union {
        TOKEN_USER user;
        TOKEN_PRIMARY_GROUP group;
        unsigned char raw[512];
    } u;
    HANDLE tok;
    DWORD len = 0;
    LPWSTR text = NULL;
    PSID sid;
    int rc = -1;

    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok))
        return -1;
    if (GetTokenInformation(tok, what, &u, sizeof u, &len)) {
        sid = what == TokenUser ? u.user.User.Sid : u.group.PrimaryGroup;
        if (ConvertSidToStringSidW(sid, &text)) {
            if (wcslen(text) < cap) {
                wcscpy(out, text);
                rc = 0;
            }
            LocalFree(text);
        }
    }
    CloseHandle(tok);
    return rc;
}

/* Appends "(A;;GRGWGX;;;SID)" for the rwx bits of one class, if any. */
static void add_ace(WCHAR *sddl, size_t cap, unsigned bits, const WCHAR *sid) {
    size_t n = wcslen(sddl);
    if (bits == 0 || n >= cap)
        return;
    _snwprintf(sddl + n, cap - n, L"(A;;%ls%ls%ls;;;%ls)",
               (bits & 4) ? L"GR" : L"", (bits & 2) ? L"GW" : L"",
               (bits & 1) ? L"GX" : L"", sid);
    sddl[cap - 1] = 0;
}

int spy__win_sd_from_mode(uint32_t mode, PSECURITY_DESCRIPTOR *sd) {
    WCHAR user[192], group[192], sddl[1024];

    *sd = NULL;
    if (token_sid(TokenUser, user, 192) != 0)
        return -1;
    if (token_sid(TokenPrimaryGroup, group, 192) != 0)
        wcscpy(group, user);
    /* Owner: us. D:P, a protected DACL: nothing is inherited, so exactly
     * these ACEs decide. An empty DACL denies everyone (mode 0000); the
     * creator's own handle keeps the access it was created with. */
    _snwprintf(sddl, 1024, L"O:%lsD:P", user);
    sddl[1023] = 0;
    add_ace(sddl, 1024, mode >> 6 & 7, user);
    add_ace(sddl, 1024, mode >> 3 & 7, group);
    add_ace(sddl, 1024, mode & 7, L"WD");
    return ConvertStringSecurityDescriptorToSecurityDescriptorW(
               sddl, SDDL_REVISION_1, sd, NULL)
               ? 0
               : -1;
}

/* The rwx bits an access mask grants, generic or section-specific. */
static unsigned mask_bits(ACCESS_MASK m) {
    unsigned b = 0;
    if (m & (GENERIC_ALL | GENERIC_READ | SECTION_MAP_READ))
        b |= 4;
    if (m & (GENERIC_ALL | GENERIC_WRITE | SECTION_MAP_WRITE))
        b |= 2;
    if (m & (GENERIC_ALL | GENERIC_EXECUTE | SECTION_MAP_EXECUTE))
        b |= 1;
    return b;
}

int spy__win_mode(HANDLE h, uint32_t *mode) {
    PSID owner = NULL, group = NULL;
    PACL dacl = NULL;
    PSECURITY_DESCRIPTOR sd = NULL;
    PSID world = NULL;
    SID_IDENTIFIER_AUTHORITY wa = {SECURITY_WORLD_SID_AUTHORITY};
    DWORD i;
    int rc = -1;

    if (GetSecurityInfo(h, SE_KERNEL_OBJECT,
                        OWNER_SECURITY_INFORMATION |
                            GROUP_SECURITY_INFORMATION |
                            DACL_SECURITY_INFORMATION,
                        &owner, &group, &dacl, NULL, &sd) != ERROR_SUCCESS)
        return -1;
    if (!AllocateAndInitializeSid(&wa, 1, SECURITY_WORLD_RID, 0, 0, 0, 0, 0, 0,
                                  0, &world))
        goto out;
    if (dacl == NULL) { /* a NULL DACL: everyone may do anything */
        *mode = 0777;
        rc = 0;
        goto out;
    }
    if (owner == NULL) /* no owner to read the owner bits from (Wine) */
        goto out;
    *mode = 0;
    for (i = 0; i < dacl->AceCount; i++) {
        ACE_HEADER *a;
        ACCESS_ALLOWED_ACE *allow;
        PSID sid;
        unsigned b;
        if (!GetAce(dacl, i, (LPVOID *)&a) ||
            a->AceType != ACCESS_ALLOWED_ACE_TYPE)
            continue;
        allow = (ACCESS_ALLOWED_ACE *)a;
        sid = (PSID)&allow->SidStart;
        b = mask_bits(allow->Mask);
        if (EqualSid(sid, owner))
            *mode |= b << 6;
        if (group != NULL && EqualSid(sid, group))
            *mode |= b << 3;
        if (EqualSid(sid, world))
            *mode |= b;
    }
    rc = 0;
out:
    if (world != NULL)
        FreeSid(world);
    LocalFree(sd);
    return rc;
}

void spy__win_owner(HANDLE h, char *out, size_t cap) {
    PSID owner = NULL;
    PSECURITY_DESCRIPTOR sd = NULL;
    WCHAR name[256], domain[256];
    DWORD nl = 256, dl = 256;
    SID_NAME_USE use;
    LPWSTR text = NULL;

    /* list asks once per section, nearly always for the same owner:
     * remember the last answer (LookupAccountSid may ask the LSA). The
     * lock makes the cache safe from several threads. */
    static SRWLOCK last_lock = SRWLOCK_INIT;
    static BYTE last_sid[SECURITY_MAX_SID_SIZE];
    static char last_name[64];
    static DWORD last_len;
    int hit;

    snprintf(out, cap, "-");
    if (GetSecurityInfo(h, SE_KERNEL_OBJECT, OWNER_SECURITY_INFORMATION, &owner,
                        NULL, NULL, NULL, &sd) != ERROR_SUCCESS)
        return;
    AcquireSRWLockExclusive(&last_lock);
    hit = owner != NULL && last_len != 0 && GetLengthSid(owner) == last_len &&
          memcmp(owner, last_sid, last_len) == 0;
    if (hit)
        snprintf(out, cap, "%s", last_name);
    ReleaseSRWLockExclusive(&last_lock);
    if (!hit && owner != NULL &&
        LookupAccountSidW(NULL, owner, name, &nl, domain, &dl, &use)) {
        spy__wide_to_utf8(name, (int)wcslen(name), out, cap);
        AcquireSRWLockExclusive(&last_lock);
        last_len =
            GetLengthSid(owner) <= sizeof last_sid ? GetLengthSid(owner) : 0;
        if (last_len != 0) {
            memcpy(last_sid, owner, last_len);
            snprintf(last_name, sizeof last_name, "%s", out);
        }
        ReleaseSRWLockExclusive(&last_lock);
    } else if (!hit && owner != NULL && ConvertSidToStringSidW(owner, &text)) {
        spy__wide_to_utf8(text, (int)wcslen(text), out, cap);
        LocalFree(text);
    }
    LocalFree(sd);
}
