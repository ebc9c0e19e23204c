package playbook

import "fmt"

// Kind is the kind of a step, which is also its HCL block type.
type Kind int

// The kinds of step.
const (
	// KindCommand runs one RTR command string ("step" blocks).
	KindCommand Kind = iota
	// KindGet retrieves a file from each host through batch get.
	KindGet
	// KindRunscript runs a script through the runscript command.
	KindRunscript
	// KindContain network-contains each host through the Hosts API.
	KindContain
)

var kindBlockTypes = [...]string{"step", "get", "runscript", "contain"}

// BlockType returns the HCL block type that declares steps of this kind.
func (k Kind) BlockType() string {
	if k < 0 || int(k) >= len(kindBlockTypes) {
		return fmt.Sprintf("kind(%d)", int(k))
	}
	return kindBlockTypes[k]
}

// String returns the block type.
func (k Kind) String() string { return k.BlockType() }

func kindOfBlockType(blockType string) (Kind, bool) {
	for i, t := range kindBlockTypes {
		if t == blockType {
			return Kind(i), true
		}
	}
	return 0, false
}
