-- SPDX-License-Identifier: BSD-3-Clause OR GPL-2.0
--
-- Wireshark dissector for the pcap files of `asvirt demo --pcap` and
-- `asvirt up --pcap` (link type LINKTYPE_USER0 = 147): each record is one
-- RPMsg message as its sender handed it over, an 8-byte asvirt header
-- (cli/trace.h, struct trace_pcap_hdr) then the 16-byte rpmsg header
-- (Linux's struct rpmsg_hdr, little endian) and the payload. Messages to
-- address 53 are name-service announcements (Linux's struct rpmsg_ns_msg:
-- 32-byte name, address, flags 0 create / 1 destroy).
--
--   wireshark -X lua_script:tools/wireshark/asvirt.lua capture.pcap
--   tshark -X lua_script:tools/wireshark/asvirt.lua -r capture.pcap -T fields \
--          -e rpmsg.src -e rpmsg.dst -e rpmsg.len -e rpmsg_ns.name
-- or copy the file into ~/.local/lib/wireshark/plugins/.

local asvirt = Proto("asvirt", "asvirt virtual remote processor")
local rpmsg = Proto("rpmsg", "RPMsg")
local rpmsg_ns = Proto("rpmsg_ns", "RPMsg name service")

local directions = { [0] = "host -> remote", [1] = "remote -> host" }
-- enum asv_ev_kind (core/include/asvirt/event.h)
local events = { [8] = "sent", [9] = "received" }
local ns_flags = { [0] = "create", [1] = "destroy" }

local f_version = ProtoField.uint8("asvirt.version", "Version", base.DEC)
local f_dir = ProtoField.uint8("asvirt.direction", "Direction", base.DEC, directions)
local f_vring = ProtoField.uint8("asvirt.vring", "Vring", base.DEC)
local f_event = ProtoField.uint8("asvirt.event", "Event", base.DEC, events)
local f_desc = ProtoField.uint16("asvirt.desc", "Descriptor", base.DEC)
asvirt.fields = { f_version, f_dir, f_vring, f_event, f_desc }

local f_src = ProtoField.uint32("rpmsg.src", "Source", base.HEX)
local f_dst = ProtoField.uint32("rpmsg.dst", "Destination", base.HEX)
local f_reserved = ProtoField.uint32("rpmsg.reserved", "Reserved", base.HEX)
local f_len = ProtoField.uint16("rpmsg.len", "Length", base.DEC)
local f_flags = ProtoField.uint16("rpmsg.flags", "Flags", base.HEX)
local f_payload = ProtoField.bytes("rpmsg.payload", "Payload")
rpmsg.fields = { f_src, f_dst, f_reserved, f_len, f_flags, f_payload }

local f_ns_name = ProtoField.string("rpmsg_ns.name", "Name")
local f_ns_addr = ProtoField.uint32("rpmsg_ns.addr", "Address", base.HEX)
local f_ns_flags = ProtoField.uint32("rpmsg_ns.flags", "Flags", base.DEC, ns_flags)
rpmsg_ns.fields = { f_ns_name, f_ns_addr, f_ns_flags }

local RPMSG_NS_ADDR = 53

local function dissect_ns(tvb, pinfo, tree)
	local t = tree:add(rpmsg_ns, tvb())
	if tvb:len() < 40 then
		t:add_expert_info(PI_MALFORMED, PI_ERROR, "name-service message shorter than 40 bytes")
		return
	end
	local name = tvb(0, 32):stringz()
	t:add(f_ns_name, tvb(0, 32), name)
	t:add_le(f_ns_addr, tvb(32, 4))
	t:add_le(f_ns_flags, tvb(36, 4))
	local flags = tvb(36, 4):le_uint()
	pinfo.cols.protocol = "RPMsg-NS"
	pinfo.cols.info = string.format("name service %s \"%s\" at 0x%x",
		ns_flags[flags] or tostring(flags), name, tvb(32, 4):le_uint())
end

function rpmsg.dissector(tvb, pinfo, tree)
	local t = tree:add(rpmsg, tvb())
	if tvb:len() < 16 then
		t:add_expert_info(PI_MALFORMED, PI_ERROR, "shorter than an rpmsg header")
		return
	end
	t:add_le(f_src, tvb(0, 4))
	t:add_le(f_dst, tvb(4, 4))
	t:add_le(f_reserved, tvb(8, 4))
	t:add_le(f_len, tvb(12, 2))
	t:add_le(f_flags, tvb(14, 2))
	local src, dst, len = tvb(0, 4):le_uint(), tvb(4, 4):le_uint(), tvb(12, 2):le_uint()
	pinfo.cols.protocol = "RPMsg"
	pinfo.cols.src = string.format("0x%x", src)
	pinfo.cols.dst = string.format("0x%x", dst)
	pinfo.cols.info = string.format("0x%x -> 0x%x, %d bytes", src, dst, len)
	local avail = tvb:len() - 16
	if len > avail then
		t:add_expert_info(PI_MALFORMED, PI_WARN, "len is past the captured payload")
		len = avail
	end
	if len > 0 then
		local payload = tvb(16, len)
		t:add(f_payload, payload)
		if dst == RPMSG_NS_ADDR then
			dissect_ns(payload:tvb(), pinfo, tree)
		end
	end
end

function asvirt.dissector(tvb, pinfo, tree)
	pinfo.cols.protocol = "asvirt"
	local t = tree:add(asvirt, tvb(0, math.min(8, tvb:len())))
	if tvb:len() < 8 then
		t:add_expert_info(PI_MALFORMED, PI_ERROR, "shorter than the asvirt header")
		return
	end
	t:add(f_version, tvb(0, 1))
	t:add(f_dir, tvb(1, 1))
	t:add(f_vring, tvb(2, 1))
	t:add(f_event, tvb(3, 1))
	t:add_le(f_desc, tvb(4, 2))
	t:append_text(string.format(", %s, vring %d, descriptor %d",
		directions[tvb(1, 1):uint()] or "?", tvb(2, 1):uint(), tvb(4, 2):le_uint()))
	rpmsg.dissector:call(tvb(8):tvb(), pinfo, tree)
end

-- LINKTYPE_USER0 (147) is WTAP_ENCAP_USER0
local encap = wtap_encaps and wtap_encaps.USER0 or wtap.USER0
DissectorTable.get("wtap_encap"):add(encap, asvirt)
