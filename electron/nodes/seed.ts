console.log('stub electron/nodes/seed.ts')
