# Read-only triage of every host in the fleet: processes, connections,
# users and the hosts file, on each platform with the commands it has. It
# changes nothing, so apply runs it without asking for approval.

playbook "triage" {
  description = "Collect processes, connections and name resolution from every host"
}

variable "platforms" {
  type    = list(string)
  default = ["Windows", "Linux", "Mac"]
}

target "fleet" {
  filter    = "platform_name:[${join(",", formatlist("'%s'", var.platforms))}]"
  max_hosts = 10000
}

step "processes" {
  target  = target.fleet
  command = "ps"
}

step "connections" {
  target  = target.fleet
  command = "netstat"
}

step "run_keys" {
  target  = target.fleet
  command = "reg query HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run"
}

get "hosts_windows" {
  target = target.fleet
  when   = host.platform == "windows"
  path   = "C:\\Windows\\System32\\drivers\\etc\\hosts"
}

get "hosts_unix" {
  target = target.fleet
  when   = host.platform != "windows"
  path   = "/etc/hosts"
}

step "passwd" {
  target    = target.fleet
  platforms = ["linux", "mac"]
  command   = "cat /etc/passwd"
}

output "triaged" {
  value = step.processes.hosts
}
