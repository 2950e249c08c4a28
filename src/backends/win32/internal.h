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

/* ---- the system handle table (win32/mappers.c) ----------------------- */

/* One entry of SystemExtendedHandleInformation, as ntdll defines it.
 * Object is the kernel object's address: zero where the caller may not
 * see kernel addresses (Windows 11 24H2 without SeDebugPrivilege, Wine). */
typedef struct spy__handle_entry {
    PVOID Object;
    ULONG_PTR UniqueProcessId;
    ULONG_PTR HandleValue;
    ULONG GrantedAccess;
    USHORT CreatorBackTraceIndex;
    USHORT ObjectTypeIndex;
    ULONG HandleAttributes;
    ULONG Reserved;
} spy__handle_entry;

typedef struct spy__handle_table {
    ULONG_PTR NumberOfHandles;
    ULONG_PTR Reserved;
    spy__handle_entry Handles[1];
} spy__handle_table;

/* Every open handle of the system, in a malloc'd table the caller frees;
 * NULL when ntdll lacks NtQuerySystemInformation or the table cannot be
 * read. */
spy__handle_table *spy__handles_read(void);

/* The file name of the image of process proc ("writer.exe"), or "?". */
void spy__process_image(HANDLE proc, char *out, size_t cap);

/* "rw-s" from a section handle's granted access. */
void spy__section_perms(ULONG access, char perms[5]);

/* ---- unnamed sections (win32/unnamed.c) ------------------------------ */

/* Lists the sections that have no name, found in the system handle
 * table (see win32/unnamed.c): pagefile-backed ones (kind anon) when
 * flags has SPY_LIST_ANON, file-backed ones (kind file) when it has
 * SPY_LIST_FILES. 0 (also when cb stopped it), or an error when the
 * handle table cannot be read at all. */
int spy__unnamed_list(unsigned flags, spy_list_cb cb, void *arg, spy_err *err);

/* spy_mappers for "handle:PID:0xH": every handle, in every process we
 * may open, to the same section as that handle, as handle_only mappers;
 * *hidden (may be NULL) the processes holding sections we may not open. */
int spy__unnamed_holders(const spy_name *n, spy_mapper_cb cb, void *arg,
                         int *hidden, spy_err *err);

/* spy_mappers for "pid:PID@ADDR": that process's view holding ADDR (its
 * whole allocation, with its protection), the one mapper known: which
 * section the view is of, and so who else maps it, is not asked. */
int spy__pid_view_mapper(const spy_name *n, spy_mapper_cb cb, void *arg,
                         spy_err *err);

/* Duplicates process pid's handle value into this process as a section
 * handle with `access` (SECTION_* / FILE_MAP_* bits); `canon` names it in
 * messages ("handle:12:0x40"). 0 and *out (the caller closes it), or a
 * one-line error: the process does not exist (SPY_ENOENT), it refuses
 * PROCESS_DUP_HANDLE (SPY_EACCES), it has no such handle (SPY_ENOENT),
 * the handle is not a section (SPY_ETYPE), or the access is refused
 * (SPY_EACCES). */
int spy__dup_section(int32_t pid, uint64_t value, DWORD access,
                     const char *canon, HANDLE *out, spy_err *err);

/* The file a view maps, as a drive path ("C:\data\x.bin") where the
 * device converts to a drive letter, else the NT path
 * ("\Device\HarddiskVolume3\x"), as UTF-8 in out; -1 when the view
 * maps no file (pagefile-backed) or GetMappedFileNameW fails. */
int spy__mapped_file(HANDLE proc, const void *view, char *out, size_t cap);

#endif
