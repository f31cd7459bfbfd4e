// omnichannel
