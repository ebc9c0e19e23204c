package sevenz

import (
	"encoding/binary"
	"hash/crc32"
	"unicode/utf16"
)

// propertyID is a property id of the 7z header, as listed in 7zFormat.txt.
type propertyID byte

const (
	idEnd              propertyID = 0x00
	idHeader           propertyID = 0x01
	idMainStreamsInfo  propertyID = 0x04
	idFilesInfo        propertyID = 0x05
	idPackInfo         propertyID = 0x06
	idUnpackInfo       propertyID = 0x07
	idSubStreamsInfo   propertyID = 0x08
	idSize             propertyID = 0x09
	idCRC              propertyID = 0x0A
	idFolder           propertyID = 0x0B
	idCodersUnpackSize propertyID = 0x0C
	idEmptyStream      propertyID = 0x0E
	idEmptyFile        propertyID = 0x0F
	idName             propertyID = 0x11
	idMTime            propertyID = 0x14
	idAttributes       propertyID = 0x15
	idEncodedHeader    propertyID = 0x17
)

const (
	signatureHeaderSize = 32

	// fileAttributeArchive is the Windows attribute FILE_ATTRIBUTE_ARCHIVE,
	// which 7-Zip lists as A. It has no directory bit, so it marks a file.
	fileAttributeArchive = 0x20

	// allDefined starts a digest, time or attribute list whose entries are
	// all present.
	allDefined = 0x01
	// notExternal marks property data that follows inline rather than in
	// an additional stream.
	notExternal = 0x00
	// firstBit is a bit vector of one entry that is set.
	firstBit = 0x80
)

var signature = [6]byte{'7', 'z', 0xBC, 0xAF, 0x27, 0x1C}

// member describes the one file that an archive contains.
type member struct {
	name     string
	size     int64
	crc      uint32 // CRC32 of the content
	filetime uint64 // modification time, 100 ns since 1601-01-01 UTC
}

// packedStream describes one encrypted packed stream and its folder.
type packedStream struct {
	position   uint64 // offset after the signature header
	unpackSize uint64 // plaintext length, before padding
	props      []byte // 7zAES coder properties
	crc        uint32 // CRC32 of the plaintext
}

// buildHeaders returns the header and the encoded header that points to the
// header's encrypted copy in packed stream 1.
func buildHeaders(m member, contentIV, headerIV []byte) (header, encoded []byte) {
	content := packedStream{
		position:   0,
		unpackSize: uint64(m.size),
		props:      coderProps(contentIV),
		crc:        m.crc,
	}
	header = appendHeader(nil, m, content)

	headerStream := packedStream{
		position:   paddedSize(uint64(m.size)),
		unpackSize: uint64(len(header)),
		props:      coderProps(headerIV),
		crc:        crc32.ChecksumIEEE(header),
	}
	encoded = append(encoded, byte(idEncodedHeader))
	encoded = appendFolderInfo(encoded, headerStream, true)
	encoded = append(encoded, byte(idEnd))
	return header, encoded
}

// appendHeader appends the header (kHeader). An empty member has no packed
// stream, so the header then has no main streams info.
func appendHeader(b []byte, m member, content packedStream) []byte {
	b = append(b, byte(idHeader))
	if m.size > 0 {
		b = append(b, byte(idMainStreamsInfo))
		b = appendFolderInfo(b, content, false)
		// The CRC32 of the content goes in the substreams info, where 7-Zip
		// 25.01 writes the CRC32 of a file, rather than in the folder.
		b = append(b, byte(idSubStreamsInfo), byte(idCRC), allDefined)
		b = binary.LittleEndian.AppendUint32(b, m.crc)
		b = append(b, byte(idEnd), byte(idEnd))
	}
	b = appendFilesInfo(b, m)
	return append(b, byte(idEnd))
}

// appendFolderInfo appends the pack info and the unpack info of s, which
// begin a streams info, and the caller appends the rest. withFolderCRC
// records the CRC32 of the plaintext as the folder's unpack digest.
func appendFolderInfo(b []byte, s packedStream, withFolderCRC bool) []byte {
	b = append(b, byte(idPackInfo))
	b = appendNumber(b, s.position)
	b = appendNumber(b, 1) // number of packed streams
	b = append(b, byte(idSize))
	b = appendNumber(b, paddedSize(s.unpackSize))
	b = append(b, byte(idEnd))

	b = append(b, byte(idUnpackInfo), byte(idFolder))
	b = appendNumber(b, 1) // number of folders
	b = append(b, notExternal)
	b = appendAESFolder(b, s.props)
	b = append(b, byte(idCodersUnpackSize))
	b = appendNumber(b, s.unpackSize)
	if withFolderCRC {
		b = append(b, byte(idCRC), allDefined)
		b = binary.LittleEndian.AppendUint32(b, s.crc)
	}
	return append(b, byte(idEnd))
}

// appendAESFolder appends a folder of one simple 7zAES coder. A simple coder
// has one input and one output, so the folder has no bind pairs and no
// packed stream indices.
func appendAESFolder(b []byte, props []byte) []byte {
	const hasProperties = 0x20
	b = appendNumber(b, 1) // number of coders
	b = append(b, byte(len(aesMethodID))|hasProperties)
	b = append(b, aesMethodID[:]...)
	b = appendNumber(b, uint64(len(props)))
	return append(b, props...)
}

// appendFilesInfo appends the files info (kFilesInfo) of the one member.
func appendFilesInfo(b []byte, m member) []byte {
	b = append(b, byte(idFilesInfo))
	b = appendNumber(b, 1) // number of files
	if m.size == 0 {
		// Without the empty-file bit, readers take an empty stream for a
		// directory.
		b = append(b, byte(idEmptyStream), 1, firstBit)
		b = append(b, byte(idEmptyFile), 1, firstBit)
	}

	name := utf16.Encode([]rune(m.name))
	b = append(b, byte(idName))
	b = appendNumber(b, uint64(1+2*(len(name)+1)))
	b = append(b, notExternal)
	for _, unit := range name {
		b = binary.LittleEndian.AppendUint16(b, unit)
	}
	b = append(b, 0, 0)

	b = append(b, byte(idMTime), 10, allDefined, notExternal)
	b = binary.LittleEndian.AppendUint64(b, m.filetime)

	b = append(b, byte(idAttributes), 6, allDefined, notExternal)
	b = binary.LittleEndian.AppendUint32(b, fileAttributeArchive)
	return append(b, byte(idEnd))
}

// signatureHeader returns the 32-byte signature header for an encoded header
// that starts nextOffset bytes after it.
func signatureHeader(nextOffset uint64, encoded []byte) []byte {
	b := make([]byte, 0, signatureHeaderSize)
	b = append(b, signature[:]...)
	b = append(b, 0, 4) // format version 0.4
	start := binary.LittleEndian.AppendUint64(nil, nextOffset)
	start = binary.LittleEndian.AppendUint64(start, uint64(len(encoded)))
	start = binary.LittleEndian.AppendUint32(start, crc32.ChecksumIEEE(encoded))
	b = binary.LittleEndian.AppendUint32(b, crc32.ChecksumIEEE(start))
	return append(b, start...)
}

// appendNumber appends v in the variable-length encoding that 7z calls
// UINT64. The count of leading one bits in the first byte is the count of
// extra bytes, which hold the low bits of v. The rest of the first byte
// holds the high bits.
func appendNumber(b []byte, v uint64) []byte {
	var first byte
	mask := byte(0x80)
	extra := 0
	for ; extra < 8; extra++ {
		if v < 1<<(7*(extra+1)) {
			first |= byte(v >> (8 * extra))
			break
		}
		first |= mask
		mask >>= 1
	}
	b = append(b, first)
	for i := range extra {
		b = append(b, byte(v>>(8*i)))
	}
	return b
}

// paddedSize returns n rounded up to the AES block size.
func paddedSize(n uint64) uint64 {
	return (n + blockSize - 1) &^ (blockSize - 1)
}
