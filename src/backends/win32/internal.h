/* win32/internal.h - what the files of the Windows backend share (seg.c,
 * list.c, mappers.c, security.c, guard.c, probe.c, process.c, demo.c).
 * Private to src/backends/win32/: nothing here crosses the backend headers
 * (seg.h, guard.h, mappers.h, process.h, inject.h, demo.h). */
#ifndef SPY_WIN32_INTERNAL_H
#define SPY_WIN32_INTERNAL_H

#include <windows.h>

#include "../demo.h"
#include "../guard.h"
#include "../inject.h"
#include "../mappers.h"
#include "../process.h"
#include "../seg.h"

/* NTSTATUS values used here (ntstatus.h clashes with windows.h). */
#define SPY_STATUS_SUCCESS ((LONG)0x00000000L)
#define SPY_STATUS_MORE_ENTRIES ((LONG)0x00000105L)
#define SPY_STATUS_NO_MORE_ENTRIES ((LONG)0x8000001AL)
#define SPY_STATUS_BUFFER_TOO_SMALL ((LONG)0xC0000023L)
#define SPY_STATUS_ACCESS_DENIED ((LONG)0xC0000022L)
#define SPY_STATUS_OBJECT_NAME_NOT_FOUND ((LONG)0xC0000034L)
#define SPY_STATUS_OBJECT_PATH_NOT_FOUND ((LONG)0xC000003AL)
#define SPY_STATUS_NOT_IMPLEMENTED ((LONG)0xC0000002L)

/* SECTION_BASIC_INFORMATION of NtQuerySection (class 0). */
typedef struct spy__section_basic {
    PVOID BaseAddress;
    ULONG AllocationAttributes; /* SEC_COMMIT, SEC_RESERVE, SEC_FILE... */
    LARGE_INTEGER MaximumSize;
} spy__section_basic;

/* Queries SectionBasicInformation of a section handle opened with
 * SECTION_QUERY (ntdll's NtQuerySection, resolved at run time). Returns
 * the NTSTATUS; STATUS_NOT_IMPLEMENTED when ntdll lacks the call. */
LONG spy__nt_query_section(HANDLE section, spy__section_basic *out);

/* Open handles to the object (NtQueryObject, ObjectBasicInformation), our
 * own included; -1 when unknown. */
long spy__nt_handle_count(HANDLE h);

/* The directory of `Local\` names (\Sessions\N\BaseNamedObjects) or of
 * `Global\` names (\BaseNamedObjects), as UTF-16, in buf. */
void spy__win_dir_path(int global, WCHAR *buf, size_t cap);

/* "Local\name" / "Global\name" for n, as UTF-8 (canonical, for messages
 * and listings) and as UTF-16 (for the API). Plain names ("/name") are
 * Local. SPY_EINVAL if the name does not convert. */
int spy__win_section_name(const spy_name *n, char *utf8, size_t cap8,
                          WCHAR *wide, size_t capw, spy_err *err);

/* UTF-8 <-> UTF-16 with a NUL always written; 0 or -1 (does not fit or
 * is not valid). */
int spy__utf8_to_wide(const char *s, WCHAR *out, size_t cap);
int spy__wide_to_utf8(const WCHAR *s, int len, char *out, size_t cap);

/* Translates GetLastError() value e for the object `name` into a SPY_E*
 * code and a sentence; `what` names the failed step ("open", "map"). */
int spy__win_error(const char *name, const char *what, DWORD e, spy_err *err);

/* A new security descriptor for a section created with mode (0600: only
 * this user; group bits: the user's primary group; other bits: Everyone),
 * owned by this user, for CreateFileMapping. 0, with *sd to LocalFree;
 * -1 if the token cannot be read. */
int spy__win_sd_from_mode(uint32_t mode, PSECURITY_DESCRIPTOR *sd);

/* The mode bits a section's DACL grants its owner, group and Everyone
 * (the reverse of spy__win_sd_from_mode); h needs READ_CONTROL. -1 when
 * the descriptor cannot be read or has no owner. */
int spy__win_mode(HANDLE h, uint32_t *mode);

/* The account owning the kernel object h (a section, a file) in out, as
 * a user name, or as a SID ("S-1-5-...") when it has no name here; "-"
 * when the owner cannot be read (h needs READ_CONTROL). */
void spy__win_owner(HANDLE h, char *out, size_t cap);

/* Reads each of len bytes at p and writes it back unchanged, under the
 * fault guard of win32/guard.c (spy_probe --write): 0 when every access
 * worked, SPY_EFAULT with *out filled (out may be NULL) when one faulted.
 * Thread-safe per thread, like spy_copy_guarded. */
int spy__touch_guarded(volatile uint8_t *p, size_t len, spy_fault *out);

/* FILETIME (100 ns since 1601) to seconds since 1970. */
int64_t spy__filetime_to_unix(const FILETIME *ft);

/* Protection, state and type of a VirtualQuery region in words:
 * "PAGE_READWRITE", "MEM_COMMIT", "MEM_MAPPED" (static strings). */
const char *spy__protect_name(DWORD protect);
const char *spy__state_name(DWORD state);
const char *spy__type_name(DWORD type);

#endif
