# Containment of a known implant on Windows hosts: find the process, keep a
# copy of its binary as evidence, stop it, remove the binary and its Run-key
# persistence, then isolate the host. Hosts where the implant is not running
# are only inspected: every destructive step is guarded by a condition on
# the host's own process list.

playbook "contain-implant" {
  description = "Triage Windows hosts for a known implant, keep its binary, remove it and its persistence, and isolate the host"
}

variable "implant" {
  type        = string
  default     = "updater64.exe"
  description = "Image name of the implant process"

  validation {
    condition     = length(regexall("^[A-Za-z0-9_.-]+$", var.implant)) > 0
    error_message = "The implant must be a bare file name such as updater64.exe."
  }
}

variable "implant_dir" {
  type        = string
  default     = "C:\\ProgramData\\Vendor App"
  description = "Directory the implant runs from"
}

variable "run_key" {
  type    = string
  default = "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run"
}

target "windows" {
  filter    = "platform_name:'Windows'"
  max_hosts = 500
}

step "processes" {
  target      = target.windows
  description = "List running processes"
  command     = "ps"
}

step "connections" {
  target      = target.windows
  description = "Record network connections before anything changes"
  command     = "netstat"
}

step "run_keys" {
  target  = target.windows
  command = "reg query ${var.run_key}"
}

get "sample" {
  target  = target.windows
  when    = length(rtr_pids(step.processes.stdout, var.implant)) > 0
  path    = "${var.implant_dir}\\${var.implant}"
  timeout = "5m"
}

step "stop" {
  target     = target.windows
  when       = length(rtr_pids(step.processes.stdout, var.implant)) > 0
  command    = "kill ${rtr_pid(step.processes.stdout, var.implant)}"
  depends_on = [get.sample, step.connections]
}

step "remove_binary" {
  target  = target.windows
  when    = step.stop.succeeded && get.sample.succeeded
  command = "rm ${var.implant_dir}\\${var.implant}"
}

step "remove_persistence" {
  target     = target.windows
  when       = strcontains(lower(step.run_keys.stdout), lower(var.implant))
  command    = "reg delete ${var.run_key} ${rtr_reg_value(step.run_keys.stdout, var.implant)}"
  depends_on = [step.stop]
}

runscript "verify" {
  target  = target.windows
  when    = step.stop.succeeded
  raw     = "Get-Process -Name ${trimsuffix(var.implant, ".exe")} -ErrorAction SilentlyContinue; Test-Path '${var.implant_dir}\\${var.implant}'"
  depends_on = [step.remove_binary, step.remove_persistence]
}

contain "isolate" {
  target     = target.windows
  when       = step.stop.succeeded
  depends_on = [runscript.verify]
  timeout    = "2m"
}

output "contained_hosts" {
  value = contain.isolate.hosts
}
