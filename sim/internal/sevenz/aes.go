package sevenz

import (
	"crypto/aes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"sync"
	"unicode/utf16"
)

const (
	blockSize = aes.BlockSize

	// cyclesPower is the base-2 logarithm of the number of SHA-256 rounds in
	// the key derivation; 19 is what 7-Zip writes.
	cyclesPower = 19

	// maxCachedKeys bounds the key cache. The emulator uses one password, so
	// the bound only matters to callers that pass many.
	maxCachedKeys = 16
)

// aesMethodID is the 7z method id of the 7zAES coder.
var aesMethodID = [4]byte{0x06, 0xF1, 0x07, 0x01}

// salt is empty, as in archives that 7-Zip writes: the random IV already
// makes every ciphertext unique, and a fixed salt lets the key be cached.
var salt []byte

// coderProps returns the 7zAES coder properties for iv and an empty salt.
// The first byte holds cyclesPower and the flags 0x80 (a salt follows) and
// 0x40 (an IV follows). The second byte holds the salt length in its high
// nibble and the IV length in its low nibble, each minus one when its flag
// is set.
func coderProps(iv []byte) []byte {
	props := make([]byte, 0, 2+len(iv))
	props = append(props, cyclesPower|0x40, byte(len(iv)-1))
	return append(props, iv...)
}

// newIV returns a random IV for one packed stream.
func newIV() []byte {
	iv := make([]byte, blockSize)
	// crypto/rand.Read never returns an error since Go 1.24.
	_, _ = rand.Read(iv)
	return iv
}

type keyCacheEntry struct {
	password    string
	salt        string
	cyclesPower int
}

// keyCache contains derived keys, because each derivation costs 2^19 SHA-256
// rounds and every archive for the same password uses the same key.
// Passwords are kept as map keys in memory and never logged.
var keyCache = struct {
	sync.Mutex
	keys map[keyCacheEntry][sha256.Size]byte
}{keys: make(map[keyCacheEntry][sha256.Size]byte)}

// cachedKey returns the 7zAES key for password, deriving it on first use.
func cachedKey(password string) [sha256.Size]byte {
	entry := keyCacheEntry{password: password, salt: string(salt), cyclesPower: cyclesPower}

	keyCache.Lock()
	key, ok := keyCache.keys[entry]
	keyCache.Unlock()
	if ok {
		return key
	}

	// The derivation runs without the lock so that other passwords are not
	// held up. Two first uses of one password may both derive the same key.
	key = deriveKey(password, salt, cyclesPower)

	keyCache.Lock()
	defer keyCache.Unlock()
	if len(keyCache.keys) >= maxCachedKeys {
		for old := range keyCache.keys {
			delete(keyCache.keys, old)
			break
		}
	}
	keyCache.keys[entry] = key
	return key
}

// deriveKey returns the SHA-256 of 2^cyclesPower rounds of salt, password
// in UTF-16LE and the round number as 8 little-endian bytes.
func deriveKey(password string, salt []byte, cyclesPower int) [sha256.Size]byte {
	round := append([]byte(nil), salt...)
	for _, unit := range utf16.Encode([]rune(password)) {
		round = binary.LittleEndian.AppendUint16(round, unit)
	}
	counterAt := len(round)
	round = append(round, make([]byte, 8)...)

	h := sha256.New()
	for i := range uint64(1) << cyclesPower {
		binary.LittleEndian.PutUint64(round[counterAt:], i)
		h.Write(round)
	}

	var key [sha256.Size]byte
	h.Sum(key[:0])
	return key
}
