console.log('stub electron/web/server.ts')
