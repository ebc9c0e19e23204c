package sim

import "github.com/rtrplay/rtrplay/sim/fleet"

var _ fleet.FalconScriptStore = (*contentStore)(nil)

// FalconScript lets hosts run the emulator's Falcon script catalogue with
// the falconscript command. The catalogue is the same for every customer,
// so aid does not narrow it.
func (c *contentStore) FalconScript(aid, name string) (fleet.FalconScript, bool) {
	for _, f := range falconScripts {
		if f.Name != name {
			continue
		}
		p, err := fleet.ParsePlatform(f.Platform)
		if err != nil {
			panic("sim: Falcon script " + f.Name + " has an unknown platform: " + err.Error())
		}
		return fleet.FalconScript{Name: f.Name, Platform: p}, true
	}
	return fleet.FalconScript{}, false
}
