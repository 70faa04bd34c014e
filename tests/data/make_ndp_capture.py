#!/usr/bin/env python3
# Regenerates tests/data/ndp.pcap and the fuzz seeds tests/fuzz/corpus/ndp-*:
# a DAD probe, a resolution solicitation and an unsolicited advertisement for
# 2001:db8::100 from 02:00:00:00:00:01, checksums computed here independently
# of wire/ndp.cpp (RFC 1071 over the RFC 8200 8.1 pseudo-header), and the DAD
# probe again with a broken checksum.
# usage: make_ndp_capture.py tests/fuzz/corpus tests/data/ndp.pcap
import struct, ipaddress, sys
def csum(data):
    if len(data)%2: data+=b'\0'
    s=sum(struct.unpack('!%dH'%(len(data)//2),data))
    while s>>16: s=(s&0xffff)+(s>>16)
    return (~s)&0xffff
def frame(dmac, smac, src, dst, icmp):
    c=csum(src+dst+struct.pack('!IxxxB',len(icmp),58)+icmp)
    icmp=icmp[:2]+struct.pack('!H',c)+icmp[4:]
    return dmac+smac+b'\x86\xdd'+struct.pack('!IHBB',0x60000000,len(icmp),58,255)+src+dst+icmp
own=bytes([2,0,0,0,0,1]); tgt=ipaddress.IPv6Address('2001:db8::100').packed
sn=ipaddress.IPv6Address('ff02::1:ff00:100').packed; an=ipaddress.IPv6Address('ff02::1').packed
d=sys.argv[1]
open(d+'/ndp-dad-probe','wb').write(frame(bytes([0x33,0x33,0xff,0,1,0]),own,bytes(16),sn,bytes([135,0,0,0,0,0,0,0])+tgt))
open(d+'/ndp-solicit-with-option','wb').write(frame(bytes([0x33,0x33,0xff,0,1,0]),own,ipaddress.IPv6Address('2001:db8::1').packed,sn,bytes([135,0,0,0,0,0,0,0])+tgt+bytes([1,1])+own))
open(d+'/ndp-unsolicited-advert','wb').write(frame(bytes([0x33,0x33,0,0,0,1]),own,tgt,an,bytes([136,0,0,0,0x20,0,0,0])+tgt+bytes([2,1])+own))
# a pcap of them, and one NS with a broken checksum
import glob
frames=[open(d+'/'+n,'rb').read() for n in ['ndp-dad-probe','ndp-solicit-with-option','ndp-unsolicited-advert']]
bad=bytearray(frames[0]); bad[14+40+3]^=1; frames.append(bytes(bad))
out=open(sys.argv[2],'wb')
out.write(struct.pack('<IHHiIII',0xa1b2c3d4,2,4,0,0,65535,1))
for i,f in enumerate(frames):
    out.write(struct.pack('<IIII',1700000000,i*1000,len(f),len(f))+f)
