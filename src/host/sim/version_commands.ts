/**
 * Simulated version queries (`lvs --version`, `mkfs.ext4 -V`, ...), answered as Debian
 * bookworm's packages answer them (recorded in the test guest): `deno task doctor` runs them
 * to see that each tool is installed, and they change nothing.
 *
 * @module
 */

import type { CommandResult } from "../executor.ts";
import { ok } from "./paths.ts";

const LVM = "  LVM version:     2.03.16(2) (2022-05-18)\n" +
  "  Library version: 1.02.185 (2022-05-18)\n" +
  "  Driver version:  4.47.0\n";
const UTIL_LINUX = "2.38.1";
const LIBMOUNT =
  `(libmount ${UTIL_LINUX}: selinux, smack, btrfs, verity, namespaces, assert, debug)`;

/** The one version form of each binary, and what it prints. */
const VERSIONS: Record<string, { flag: string; result: CommandResult }> = {
  lvs: { flag: "--version", result: ok(LVM) },
  vgs: { flag: "--version", result: ok(LVM) },
  lvcreate: { flag: "--version", result: ok(LVM) },
  lvremove: { flag: "--version", result: ok(LVM) },
  lvextend: { flag: "--version", result: ok(LVM) },
  blkid: {
    flag: "--version",
    result: ok(`blkid from util-linux ${UTIL_LINUX}  (libblkid ${UTIL_LINUX}, 04-Aug-2022)\n`),
  },
  findmnt: { flag: "--version", result: ok(`findmnt from util-linux ${UTIL_LINUX}\n`) },
  mount: { flag: "--version", result: ok(`mount from util-linux ${UTIL_LINUX} ${LIBMOUNT}\n`) },
  umount: { flag: "--version", result: ok(`umount from util-linux ${UTIL_LINUX} ${LIBMOUNT}\n`) },
  // mke2fs prints its version on stderr.
  "mkfs.ext4": {
    flag: "-V",
    result: ok("", "mke2fs 1.47.0 (5-Feb-2023)\n\tUsing EXT2FS Library version 1.47.0\n"),
  },
  "mkfs.xfs": { flag: "-V", result: ok("mkfs.xfs version 6.1.0\n") },
  systemctl: {
    flag: "--version",
    result: ok(
      "systemd 252 (252.39-1~deb12u2)\n+PAM +AUDIT +SELINUX +APPARMOR +IMA +SMACK +SECCOMP " +
        "+GCRYPT -GNUTLS +OPENSSL +ACL +BLKID +CURL +ELFUTILS +FIDO2 +IDN2 -IDN +IPTC +KMOD " +
        "+LIBCRYPTSETUP +LIBFDISK +PCRE2 -PWQUALITY +P11KIT +QRENCODE +TPM2 +BZIP2 +LZ4 +XZ " +
        "+ZLIB +ZSTD -BPF_FRAMEWORK -XKBCOMMON +UTMP +SYSVINIT default-hierarchy=unified\n",
    ),
  },
};

/**
 * The answer to `argv` when it is exactly a binary's version form, else undefined.
 *
 * @example
 * ```ts
 * import { versionQuery } from "./version_commands.ts";
 * if (!versionQuery(["lvs", "--version"])?.stdout.includes("LVM version")) throw new Error();
 * if (versionQuery(["lvs", "--version", "x"]) !== undefined) throw new Error();
 * ```
 */
export function versionQuery(argv: readonly string[]): CommandResult | undefined {
  if (argv.length !== 2 || !Object.hasOwn(VERSIONS, argv[0])) return undefined;
  const { flag, result } = VERSIONS[argv[0]];
  return argv[1] === flag ? { ...result } : undefined;
}
