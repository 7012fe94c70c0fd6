console.log("install check placeholder")
