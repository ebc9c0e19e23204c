// Package sevenz writes the 7z archives that the emulator serves for RTR file
// downloads. Falcon returns each file retrieved with get as a 7-Zip archive
// protected with the password "infected". Write builds such an archive around
// one file with a small fixed buffer, so that multi-GiB files can be served,
// and Size returns its exact length for a Content-Length header.
//
// The package is not a general 7z library. It writes exactly one member,
// stores it without compression, and reads nothing: clients open the archives
// with github.com/bodgit/sevenzip or the 7-Zip program.
//
// # Archive layout
//
// The format is the one described in DOC/7zFormat.txt of the 7-Zip source.
// All integers are little-endian, and P and H below are multiples of 16:
//
//	offset   length  content
//	0        32      signature header
//	32       P       packed stream 0: the file, encrypted
//	32+P     H       packed stream 1: the header, encrypted
//	32+P+H   E       encoded header, not encrypted
//
// The signature header is the signature 37 7A BC AF 27 1C, format version
// 0.4, and the offset (P+H, counted from byte 32), length (E) and CRC32 of
// the encoded header, all covered by a CRC32 of their own.
//
// The encoded header (kEncodedHeader) describes packed stream 1 as one folder
// with one 7zAES coder: its position and packed length H, the coder
// properties, the length of the header before padding and its CRC32.
//
// The header (kHeader) describes packed stream 0 in the same way, as one
// folder with one 7zAES coder. Its unpack size is the file's length, so that
// readers drop the padding. The substreams info records the CRC32 of the
// file's content, which 7-Zip checks on extraction. NOTE:
// github.com/bodgit/sevenzip v1.6.5 does not check it but returns it as
// FileHeader.CRC32, so its callers must compare it themselves.
// The files info has one entry: the name in UTF-16LE, the modification time
// as a Windows FILETIME, and the attribute FILE_ATTRIBUTE_ARCHIVE. An empty
// file has no packed stream 0, and its entry is marked as an empty stream
// and an empty file.
//
// # Encryption
//
// Both packed streams use the 7zAES coder (method id 06 F1 07 01): AES-256
// in CBC mode, the plaintext padded with zeros to the 16-byte block size. The
// key is the SHA-256 of 2^19 rounds of salt, password in UTF-16LE and the
// round number as 8 little-endian bytes. Write uses an empty salt, as 7-Zip
// 25.01 does, and a fresh random 16-byte IV for each packed stream, and
// records both in the coder properties. Because the salt is fixed, the key
// for a password is derived once and cached.
//
// Whether Falcon encrypts the header is unverified. Write encrypts it,
// which is the reading harder on a client: listing the archive needs the
// password too. It also makes 7-Zip and github.com/bodgit/sevenzip reject a
// wrong password when they open the archive, even for an empty file, which
// has no encrypted content to check.
package sevenz
