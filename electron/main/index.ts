console.log('stub electron/main/index.ts')
