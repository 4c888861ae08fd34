console.log('stub electron/preload/index.ts')
