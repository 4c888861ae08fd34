console.log('stub electron/nodes/peer.ts')
