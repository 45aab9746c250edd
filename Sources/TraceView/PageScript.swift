/// The page's inline CSS, markup and script (no external script, font or network).
enum PageScript {
    /// Runs first: records script errors and `console.error` calls in `window.tcErrors`
    /// (the page's state block reports them).
    static let errorTrap = #"""
    window.tcErrors=[];window.addEventListener('error',function(e){tcErrors.push(String(e.message||e));});
    window.addEventListener('unhandledrejection',function(e){tcErrors.push('unhandled rejection: '+String(e.reason));});
    (function(){var ce=console.error;console.error=function(){tcErrors.push(Array.prototype.join.call(arguments,' '));ce.apply(console,arguments);};})();
    """#

    static let css = #"""
    :root{--fg:#1d2430;--muted:#5d6677;--line:#d9dde5;--bg:#ffffff;--panel:#f6f7f9;--accent:#2557d6}
    *{box-sizing:border-box}
    body{margin:0;font:13px/1.35 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);background:var(--bg)}
    header{display:flex;flex-wrap:wrap;align-items:center;gap:10px 16px;padding:8px 14px;border-bottom:1px solid var(--line);background:var(--panel)}
    header h1{font-size:15px;margin:0;font-weight:600;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;max-width:46vw}
    #search{font:inherit;padding:4px 8px;border:1px solid #b9c0cc;border-radius:4px;width:230px}
    #matches{color:var(--muted);min-width:120px}
    .keys{color:var(--muted);font-size:12px}
    kbd{font:11px ui-monospace,"DejaVu Sans Mono",monospace;border:1px solid #c4cad4;border-bottom-width:2px;border-radius:3px;padding:0 4px;background:#fff}
    #range{padding:4px 14px;color:var(--muted);font-size:12px;border-bottom:1px solid var(--line);font-variant-numeric:tabular-nums}
    #main{position:relative;user-select:none}
    #cv{display:block;cursor:grab}
    #cv.drag{cursor:grabbing}
    #tip{position:absolute;pointer-events:none;display:none;max-width:760px;background:rgba(24,28,36,.94);color:#f2f4f8;padding:6px 9px;border-radius:4px;font:12px/1.35 ui-monospace,"DejaVu Sans Mono",monospace;white-space:pre-wrap;word-break:break-all;z-index:5;box-shadow:0 2px 8px rgba(0,0,0,.25)}
    #legend{display:flex;flex-wrap:wrap;gap:14px 28px;padding:10px 14px 18px;border-top:1px solid var(--line);background:var(--panel)}
    #legend h2{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);margin:0 0 6px;font-weight:600}
    #legend table{border-collapse:collapse;font-variant-numeric:tabular-nums}
    #legend td,#legend th{padding:1px 10px 1px 0;text-align:left;vertical-align:top}
    #legend th{font-weight:600;color:var(--muted);font-size:12px}
    #legend td.num{text-align:right}
    .sw{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:6px;vertical-align:-1px;border:1px solid rgba(0,0,0,.15)}
    .tasks{display:grid;grid-template-columns:repeat(2,minmax(0,330px));column-gap:22px}
    .tasks div{white-space:nowrap;overflow:hidden;text-overflow:ellipsis;max-width:330px}
    .warn{color:#b3261e}
    .note{color:var(--muted);font-size:12px;max-width:560px}
    .sym{display:inline-block;width:22px;text-align:center}
    """#

    static func body(title: String) -> String {
        """
        <header><h1>\(title)</h1>
        <input id="search" type="search" placeholder="Search task or event name" autocomplete="off" spellcheck="false">
        <span id="matches"></span>
        <span class="keys"><kbd>W</kbd>/<kbd>S</kbd> or <kbd>+</kbd>/<kbd>−</kbd> zoom · <kbd>A</kbd>/<kbd>D</kbd> or <kbd>←</kbd>/<kbd>→</kbd> pan · wheel zoom · drag pan · <kbd>0</kbd> all</span>
        </header>
        <div id="range"></div>
        <div id="main"><canvas id="cv"></canvas><div id="tip"></div></div>
        <section id="legend"></section>
        <pre id="tc-state" hidden></pre>

        """
    }

    /// The viewer: decodes the data, lays out the lanes, draws them on a canvas, handles
    /// zoom, pan, hover and search, fills the legend and writes its state into
    /// `#tc-state` (JSON) for tests.
    static let main = #"""
    (function(){
    'use strict';
    var D=JSON.parse(document.getElementById('tc-data').textContent);
    function bytes(s){var b=atob(s),n=b.length,u=new Uint8Array(n);for(var i=0;i<n;i++)u[i]=b.charCodeAt(i);return u;}
    function u16(s){return new Uint16Array(bytes(s).buffer);}
    function u32(s){return new Uint32Array(bytes(s).buffer);}
    function f64(s){return new Float64Array(bytes(s).buffer);}
    var S={lane:u16(D.slices.lane),start:f64(D.slices.start),end:f64(D.slices.end),task:u32(D.slices.task),kind:bytes(D.slices.kind)};
    var T={lane:u16(D.ticks.lane),t:f64(D.ticks.t),name:u16(D.ticks.name)};
    // The exact part: [EX.lo, EX.hi) of the time axis has every event and slice in S and T
    // (all of it on a page without tiles); summaries draw the rest.
    var TILED=!!D.tiles,TI=null,EX=D.complete?{lo:-Infinity,hi:Infinity}:{lo:0,hi:0},lineOf=function(i){return D.lines[i];};
    if(TILED)TI={t0:f64(D.tiles.t0),t1:f64(D.tiles.t1),n:u32(D.tiles.n),off:u32(D.tiles.off),len:u32(D.tiles.len)};
    var taskBusy=f64(D.taskBusy);
    var SUM=null;
    if(D.summary){SUM={bins:D.summary.bins,origin:D.summary.origin,width:D.summary.width,busy:bytes(D.summary.busy),task:u16(D.summary.task),count:u32(D.summary.count),aux:bytes(D.summary.aux)};}
    var lanes=D.lanes,groups=D.groups,nL=lanes.length;
    // Per lane: tick indices and slice indices per kind, in time order.
    var laneTicks=[],laneSlices=[];
    function indexDetail(){var c=new Uint32Array(nL),i,l;laneTicks=[];laneSlices=[];
      for(i=0;i<T.lane.length;i++)c[T.lane[i]]++;
      for(l=0;l<nL;l++){laneTicks.push(new Uint32Array(c[l]));c[l]=0;}
      for(i=0;i<T.lane.length;i++){l=T.lane[i];laneTicks[l][c[l]++]=i;}
      for(l=0;l<nL;l++)laneSlices.push([[],[],[]]);
      for(i=0;i<S.lane.length;i++){l=S.lane[i];if(l<nL)laneSlices[l][S.kind[i]].push(i);}
      for(l=0;l<nL;l++)for(var k=0;k<3;k++){laneSlices[l][k].sort(function(a,b){return S.start[a]-S.start[b];});laneSlices[l][k]=Uint32Array.from(laneSlices[l][k]);}
    }
    indexDetail();
    var auxRow=[];(function(){var r=0;for(var l=0;l<nL;l++){auxRow.push(lanes[l].kind==='hostThread'?r++:-1);}})();
    // Colours: by task name, stable across the page.
    function hash(s){var h=2166136261;for(var i=0;i<s.length;i++){h^=s.charCodeAt(i);h=Math.imul(h,16777619);}return h>>>0;}
    var taskColor=[],taskColorDim=[];
    for(var ti=0;ti<D.tasks.length;ti++){var h=hash(D.tasks[ti][0]),hue=(h%360),sat=48+(h>>>9)%22,lig=52+(h>>>17)%14;
      taskColor.push('hsl('+hue+','+sat+'%,'+lig+'%)');taskColorDim.push('hsla('+hue+','+sat+'%,'+lig+'%,0.16)');}
    var cpuPal=['#4e79a7','#f28e2b','#59a14f','#e15759','#76b7b2','#edc948','#b07aa1','#ff9da7','#9c755f','#bab0ac'];
    function cpuColor(c){return cpuPal[c%cpuPal.length];}
    var vcpuPal=['#1f77b4','#d62728','#2ca02c','#9467bd','#ff7f0e','#17becf','#8c564b','#e377c2'];
    // Layout.
    var LABEL=200,AXIS=30,GROUP=24,H={cpu:26,vcpu:26,hostThread:18,sync:32};
    var rows=[],y=AXIS,laneY=new Float64Array(nL),laneH=new Float64Array(nL);
    for(var g=0;g<groups.length;g++){rows.push({type:'group',g:g,y:y,h:GROUP});y+=GROUP;
      for(var l=0;l<nL;l++)if(lanes[l].group===g){laneY[l]=y;laneH[l]=H[lanes[l].kind]||24;rows.push({type:'lane',l:l,y:y,h:laneH[l]});y+=laneH[l];}
      y+=6;}
    var totalH=y+8;
    var cv=document.getElementById('cv'),ctx=cv.getContext('2d'),tip=document.getElementById('tip');
    var W=800,dpr=window.devicePixelRatio||1;
    function resize(){W=Math.max(480,document.getElementById('main').clientWidth||window.innerWidth);
      cv.width=Math.round(W*dpr);cv.height=Math.round(totalH*dpr);cv.style.width=W+'px';cv.style.height=totalH+'px';draw();}
    var span=Math.max(1,D.span),pad=span*0.01;
    var view=[-pad,span+pad],initialView=view.slice();
    function plotW(){return W-LABEL-12;}
    function tx(t){return LABEL+(t-view[0])/(view[1]-view[0])*plotW();}
    function xt(x){return view[0]+(x-LABEL)/plotW()*(view[1]-view[0]);}
    // Search.
    var query='',taskMatch=null,nameMatch=null,matchCount=0;
    function setQuery(q){query=q.trim().toLowerCase();
      if(!query){taskMatch=nameMatch=null;}else{
        taskMatch=new Uint8Array(D.tasks.length+1);nameMatch=new Uint8Array(D.names.length);
        for(var i=0;i<D.tasks.length;i++){var n=D.tasks[i][0].toLowerCase();if(n.indexOf(query)>=0||String(D.tasks[i][1])===query)taskMatch[i+1]=1;}
        for(var j=0;j<D.names.length;j++)if(D.names[j].toLowerCase().indexOf(query)>=0)nameMatch[j]=1;}
      matchCount=0;
      if(query&&TILED){for(var nm in D.counts)if(nm.toLowerCase().indexOf(query)>=0)matchCount+=D.counts[nm];}
      else if(query){for(var k=0;k<T.name.length;k++)if(nameMatch[T.name[k]])matchCount++;
        for(var s=0;s<S.task.length;s++)if(S.kind[s]===0&&taskMatch[S.task[s]])matchCount++;}
      var m=document.getElementById('matches');
      m.textContent=query?(matchCount+' match'+(matchCount===1?'':'es')+(D.complete?'':TILED?' (events)':' in exact events')):'';
      draw();}
    // Time formatting.
    function absTime(t,dec){var tot=D.t0ns+t,s=D.t0s+Math.floor(tot/1e9),f=Math.round(tot-Math.floor(tot/1e9)*1e9);
      if(f>=1e9){s+=1;f-=1e9;}if(f<0)f=0;var fs=String(f);while(fs.length<9)fs='0'+fs;return dec>0?s+'.'+fs.slice(0,dec):String(s);}
    function dur(ns){ns=Math.abs(ns);if(ns<1e3)return ns.toFixed(0)+' ns';if(ns<1e6)return (ns/1e3).toFixed(ns<1e4?2:1)+' µs';if(ns<1e9)return (ns/1e6).toFixed(ns<1e7?2:1)+' ms';return (ns/1e9).toFixed(3)+' s';}
    function lowerBound(arr,idx,val){var lo=0,hi=idx.length;while(lo<hi){var m=(lo+hi)>>1;if(arr[idx[m]]<val)lo=m+1;else hi=m;}return lo;}

    // Detail tiles: the events of the visible window, decoded when it spans at most MAXT tiles.
    var MAXT=8,TT=null,tileCache=new Map(),tilePending=0,tileLoading={},detailKey='',readyCbs=[],tilesDecoded=0;
    function tileRange(a,b){if(!TI||!TI.t0.length)return null;var n=TI.t0.length,lo=0,hi=n;
      while(lo<hi){var m=(lo+hi)>>1;if(TI.t1[m]<a)lo=m+1;else hi=m;}var k0=lo;
      lo=k0;hi=n;while(lo<hi){var m2=(lo+hi)>>1;if(TI.t0[m2]<=b)lo=m2+1;else hi=m2;}var k1=lo-1;
      if(k0>=n)return null;if(k1<k0)k1=k0;return [k0,k1];}
    function inflate(u8){var st=new Blob([u8]).stream().pipeThrough(new DecompressionStream('deflate'));return new Response(st).arrayBuffer();}
    function parseTile(k,b){var p=0;
      function u(){var v=0,m=1,c;do{c=b[p++];v+=(c&127)*m;m*=128;}while(c&128&&p<b.length);return v;}
      function z(){var v=u();return v%2?-(v+1)/2:v/2;}
      var n=u(),m=u(),o=u(),L=u(),i,t0=TI.t0[k],acc=t0;
      var d={n:n,t:new Float64Array(n),lane:new Uint16Array(n),name:new Uint16Array(n),task:new Uint32Array(n),
        sl:{lane:new Uint16Array(m),start:new Float64Array(m),end:new Float64Array(m),task:new Uint32Array(m),kind:new Uint8Array(m)},
        op:{lane:new Uint16Array(o),start:new Float64Array(o),task:new Uint32Array(o),kind:new Uint8Array(o)},lines:[]};
      for(i=0;i<n;i++){acc+=z();d.t[i]=acc;}for(i=0;i<n;i++)d.lane[i]=u();for(i=0;i<n;i++)d.name[i]=u();for(i=0;i<n;i++)d.task[i]=u();
      for(i=0;i<m;i++)d.sl.lane[i]=u();for(i=0;i<m;i++)d.sl.start[i]=t0+z();for(i=0;i<m;i++)d.sl.end[i]=d.sl.start[i]+u();
      for(i=0;i<m;i++)d.sl.task[i]=u();for(i=0;i<m;i++)d.sl.kind[i]=b[p++];
      for(i=0;i<o;i++)d.op.lane[i]=u();for(i=0;i<o;i++)d.op.start[i]=t0+z();for(i=0;i<o;i++)d.op.task[i]=u();for(i=0;i<o;i++)d.op.kind[i]=b[p++];
      var lens=[];for(i=0;i<L;i++)lens.push(u());var td=new TextDecoder();
      for(i=0;i<L;i++){d.lines.push(td.decode(b.subarray(p,p+lens[i])));p+=lens[i];}
      if(p!==b.length)throw new Error('tile '+k+': '+(b.length-p)+' bytes left after decoding');
      return d;}
    function loadTile(k){if(tileLoading[k]||tileCache.has(k))return;tileLoading[k]=1;tilePending++;
      if(TT===null)TT=document.getElementById('tc-tiles').textContent;
      inflate(bytes(TT.substr(TI.off[k],TI.len[k]))).then(function(buf){tileCache.set(k,parseTile(k,new Uint8Array(buf)));tilesDecoded++;})
        .catch(function(e){tcErrors.push('tile '+k+': '+String(e));})
        .then(function(){delete tileLoading[k];tilePending--;
          if(tileCache.size>3*MAXT){var r=tileRange(view[0],view[1]);tileCache.forEach(function(v,key){if(tileCache.size>3*MAXT&&(!r||key<r[0]||key>r[1]))tileCache.delete(key);});}
          if(!tilePending){draw();var cb=readyCbs;readyCbs=[];cb.forEach(function(f){f();});}});}
    function whenReady(f){if(tilePending)readyCbs.push(f);else f();}
    function setDetail(k0,k1){var c=[],N=0,M=0,k,i,j;for(k=k0;k<=k1;k++){c.push(tileCache.get(k));N+=c[c.length-1].n;M+=c[c.length-1].sl.lane.length;}
      var lastT=c[c.length-1];M+=lastT.op.lane.length;
      T={lane:new Uint16Array(N),t:new Float64Array(N),name:new Uint16Array(N),task:new Uint32Array(N)};
      S={lane:new Uint16Array(M),start:new Float64Array(M),end:new Float64Array(M),task:new Uint32Array(M),kind:new Uint8Array(M)};
      var lines=new Array(N),a=0,q=0;
      for(j=0;j<c.length;j++){var d=c[j];T.lane.set(d.lane,a);T.t.set(d.t,a);T.name.set(d.name,a);T.task.set(d.task,a);
        for(i=0;i<d.lines.length;i++)lines[a+i]=d.lines[i];a+=d.n;
        S.lane.set(d.sl.lane,q);S.start.set(d.sl.start,q);S.end.set(d.sl.end,q);S.task.set(d.sl.task,q);S.kind.set(d.sl.kind,q);q+=d.sl.lane.length;}
      var last=k1===TI.t0.length-1&&D.tiles.all,hi=last?Infinity:TI.t1[k1];
      S.lane.set(lastT.op.lane,q);S.start.set(lastT.op.start,q);S.task.set(lastT.op.task,q);S.kind.set(lastT.op.kind,q);
      for(i=q;i<M;i++)S.end[i]=TI.t1[k1];
      EX={lo:k0===0?-Infinity:TI.t0[k0],hi:hi};
      lineOf=function(e){return lines[e]!==undefined?lines[e]:prefixLine(e);};
      indexDetail();}
    function clearDetail(){T={lane:new Uint16Array(0),t:new Float64Array(0),name:new Uint16Array(0),task:new Uint32Array(0)};
      S={lane:new Uint16Array(0),start:new Float64Array(0),end:new Float64Array(0),task:new Uint32Array(0),kind:new Uint8Array(0)};
      EX={lo:0,hi:0};indexDetail();}
    function ensureDetail(){if(!TILED)return;var r=tileRange(view[0],view[1]);
      if(!r||r[1]-r[0]+1>MAXT){if(detailKey){detailKey='';clearDetail();}return;}
      var key=r[0]+':'+r[1];if(key===detailKey)return;var missing=false;
      for(var k=r[0];k<=r[1];k++)if(!tileCache.has(k)){missing=true;loadTile(k);}
      if(missing)return;detailKey=key;setDetail(r[0],r[1]);}
    // The report line's prefix rebuilt from the tile's columns (file, comm-pid, [cpu], time in µs, name).
    function utf8len(x){return unescape(encodeURIComponent(x)).length;}
    function spaces(n){return n>0?new Array(n+1).join(' '):'';}
    function usTime(t){var tot=D.t0ns+t,s=D.t0s+Math.floor(tot/1e9),rem=tot-Math.floor(tot/1e9)*1e9,us=Math.floor((rem+500)/1000);
      if(us>=1e6){s+=1;us-=1e6;}var f=String(us);while(f.length<6)f='0'+f;var ss=String(s);return spaces(5-ss.length)+ss+'.'+f;}
    function prefixLine(e){var ln=lanes[T.lane[e]],tk=D.etasks[T.task[e]]||['<...>',-1],c=tk[0],pid=String(tk[1]),cpu=String(ln.cpu);
      while(cpu.length<3)cpu='0'+cpu;
      return (D.labels[ln.peer]||'')+spaces(16-utf8len(c))+c+'-'+pid+spaces(5-pid.length)+' ['+cpu+'] '+usTime(T.t[e])+': '+(D.names[T.name[e]]||'unknown')+':'+
        '\n(the rest of the line: tracecmd view --start/--end on this window)';}
    function drawAxis(){var pw=plotW(),vs=view[1]-view[0],raw=vs*110/pw,p=Math.pow(10,Math.floor(Math.log10(raw))),step=p;
      if(raw/p>5)step=10*p;else if(raw/p>2)step=5*p;else if(raw/p>1)step=2*p;
      var dec=Math.max(0,Math.min(9,9-Math.floor(Math.log10(step)+1e-9)));
      ctx.fillStyle='#f6f7f9';ctx.fillRect(0,0,W,AXIS);ctx.strokeStyle='#d9dde5';ctx.beginPath();ctx.moveTo(0,AXIS-0.5);ctx.lineTo(W,AXIS-0.5);ctx.stroke();
      ctx.fillStyle='#3a4252';ctx.font='11px system-ui,"DejaVu Sans",sans-serif';ctx.textBaseline='middle';
      var first=Math.ceil((view[0]+D.t0ns)/step)*step-D.t0ns;
      for(var t=first,n=0;t<=view[1]&&n<400;t+=step,n++){var x=Math.round(tx(t))+0.5;if(x<LABEL)continue;
        ctx.strokeStyle='#b9c0cc';ctx.beginPath();ctx.moveTo(x,AXIS-7);ctx.lineTo(x,AXIS);ctx.stroke();
        ctx.strokeStyle='rgba(0,0,0,0.05)';ctx.beginPath();ctx.moveTo(x,AXIS);ctx.lineTo(x,totalH);ctx.stroke();
        ctx.fillText(absTime(t,dec)+' s',x+3,AXIS/2-2);}
      ctx.fillStyle='#5d6677';ctx.fillText('time (s)',10,AXIS/2-2);}
    function drawSummary(l,xLo,xHi,y0,h){if(!SUM)return;var b=SUM.bins,w=SUM.width,base=l*b,pw=plotW();
      var i0=Math.max(0,Math.floor((view[0]-SUM.origin)/w)),i1=Math.min(b-1,Math.ceil((view[1]-SUM.origin)/w));
      var cols=Math.ceil(pw)+2,busy=new Float32Array(cols),task=new Int32Array(cols),cnt=new Float64Array(cols),aux=new Float32Array(cols);
      var ar=auxRow[l];
      for(var i=i0;i<=i1;i++){var bs=SUM.origin+i*w,be=bs+w;if(bs>=EX.lo&&be<=EX.hi)continue;
        var xa=Math.max(LABEL,tx(bs)),xb=Math.min(LABEL+pw,tx(be));if(xb<=LABEL)continue;
        var ca=Math.floor(xa-LABEL),cb=Math.max(ca,Math.ceil(xb-LABEL)-1);
        var bu=SUM.busy[base+i]/255,tk=SUM.task[base+i],co=SUM.count[base+i],au=ar>=0?SUM.aux[ar*b+i]/255:0;
        for(var c=Math.max(0,ca);c<=cb&&c<cols;c++){if(bu>busy[c]){busy[c]=bu;task[c]=tk;}cnt[c]+=co;if(au>aux[c])aux[c]=au;}}
      var kind=lanes[l].kind;
      var cLo=Math.floor(xLo),cHi=Math.ceil(xHi);
      for(var c2=0;c2<cols;c2++){var X=LABEL+c2;if(X>=cLo&&X<cHi)continue;
        if(busy[c2]>0){var col,dim=false;
          if(kind==='hostThread'){col=cpuColor(Math.max(0,task[c2]-1));}
          else{col=taskColor[task[c2]-1]||'#999';if(taskMatch&&!taskMatch[task[c2]])dim=true;}
          ctx.globalAlpha=(dim?0.15:1)*(0.3+0.7*busy[c2]);ctx.fillStyle=col;ctx.fillRect(X,y0+3,1,h-9);
          if(aux[c2]>0){ctx.globalAlpha=0.35+0.65*aux[c2];ctx.fillStyle='#1b5e20';ctx.fillRect(X,y0+3,1,(h-9)/2);}
          ctx.globalAlpha=1;}
        if(cnt[c2]>0&&kind!=='hostThread'){ctx.fillStyle=query?'rgba(40,40,40,0.18)':'rgba(40,48,60,0.55)';var th=Math.min(5,1+Math.log2(1+cnt[c2]));ctx.fillRect(X,y0+h-2-th,1,th);}}}
    function drawLane(l){var y0=laneY[l],h=laneH[l],kind=lanes[l].kind,pw=plotW();
      function xc(t){return Math.min(LABEL+pw,Math.max(LABEL,tx(t)));}
      var xLo=xc(EX.lo),xHi=xc(EX.hi),xS=xHi;
      ctx.save();ctx.beginPath();ctx.rect(LABEL,y0,pw,h);ctx.clip();
      if(kind==='sync'){drawSync(l,y0,h);ctx.restore();return;}
      // Exact slices (up to the detail end).
      if(xHi>xLo){ctx.save();ctx.beginPath();ctx.rect(xLo,y0,xHi-xLo,h);ctx.clip();
        var ks=kind==='hostThread'?[1,2]:[0];
        for(var kk=0;kk<ks.length;kk++){var idx=laneSlices[l][ks[kk]],k=ks[kk];
          var a=lowerBound(S.end,idx,view[0]);var lastX=-1,lastC=null;
          for(var i=a;i<idx.length;i++){var s=idx[i],st=S.start[s];if(st>view[1])break;
            var xa=Math.max(LABEL-1,tx(st)),xb=Math.min(LABEL+pw+1,xS,tx(S.end[s]));if(xa>=xS)break;if(xb-xa<1){if(Math.floor(xa)===lastX&&lastC===S.task[s])continue;xb=xa+1;}
            lastX=Math.floor(xa);lastC=S.task[s];
            if(k===0){var ok=!taskMatch||taskMatch[S.task[s]];ctx.fillStyle=ok?(taskColor[S.task[s]-1]||'#999'):(taskColorDim[S.task[s]-1]||'#eee');ctx.fillRect(xa,y0+3,xb-xa,h-9);
              if(xb-xa>40&&ok){var tn=D.tasks[S.task[s]-1];ctx.fillStyle='rgba(0,0,0,0.78)';ctx.font='11px system-ui,"DejaVu Sans",sans-serif';ctx.textBaseline='middle';
                ctx.save();ctx.beginPath();ctx.rect(xa,y0,xb-xa-2,h);ctx.clip();ctx.fillText(tn[0]+':'+tn[1],Math.max(xa,LABEL)+3,y0+3+(h-9)/2);ctx.restore();}}
            else if(k===1){ctx.fillStyle=cpuColor(S.task[s]);ctx.globalAlpha=0.55;ctx.fillRect(xa,y0+3,xb-xa,h-6);ctx.globalAlpha=1;}
            else{ctx.fillStyle='#1b5e20';ctx.fillRect(xa,y0+3,xb-xa,(h-6)/2);}}}
        // Ticks.
        if(kind!=='hostThread'){var ti=laneTicks[l],b0=lowerBound(T.t,ti,view[0]),px=-1;
          for(var j=b0;j<ti.length;j++){var e=ti[j],t=T.t[e];if(t>view[1])break;var x=Math.floor(tx(t));
            var hit=nameMatch&&nameMatch[T.name[e]];
            if(hit){ctx.fillStyle='#e8590c';ctx.fillRect(x-1,y0+1,3,h-2);px=x;continue;}
            if(x===px)continue;px=x;ctx.fillStyle=query?'rgba(40,40,40,0.18)':'rgba(40,48,60,0.6)';ctx.fillRect(x,y0+h-6,1,5);}}
        ctx.restore();}
      if(!D.complete)drawSummary(l,xLo,xHi,y0,h);
      // Lost events.
      for(var q=0;q<D.lost.length;q++){var m=D.lost[q];if(m[0]!==l)continue;var lx=tx(m[1]);if(lx<LABEL-6||lx>LABEL+pw+6)continue;
        ctx.fillStyle='rgba(211,47,47,0.9)';ctx.fillRect(Math.floor(lx),y0,1,h);ctx.beginPath();ctx.moveTo(lx-5,y0);ctx.lineTo(lx+5,y0);ctx.lineTo(lx,y0+7);ctx.closePath();ctx.fill();}
      ctx.restore();}
    function syncFigures(l){var p=D.peers[lanes[l].peer];return p&&p.sync?p.sync.summary:'';}
    function drawSync(l,y0,h){var g=groups[lanes[l].group],pw=plotW();
      if(g.warnings.length){ctx.fillStyle='rgba(211,47,47,0.12)';ctx.fillRect(LABEL,y0,pw,h);
        ctx.strokeStyle='rgba(211,47,47,0.28)';ctx.lineWidth=1;ctx.beginPath();
        for(var x=LABEL-h;x<LABEL+pw;x+=9){ctx.moveTo(x,y0+h);ctx.lineTo(x+h,y0);}ctx.stroke();}
      var my=y0+h-9;ctx.strokeStyle='#c8ced8';ctx.beginPath();ctx.moveTo(LABEL,my+0.5);ctx.lineTo(LABEL+pw,my+0.5);ctx.stroke();
      for(var i=0;i<D.sync.length;i++){var m=D.sync[i];if(m[0]!==l)continue;var x=tx(m[1]);if(x<LABEL-6||x>LABEL+pw+6)continue;
        ctx.fillStyle=vcpuPal[m[3]%vcpuPal.length];ctx.beginPath();ctx.moveTo(x,my-6);ctx.lineTo(x+5,my);ctx.lineTo(x,my+6);ctx.lineTo(x-5,my);ctx.closePath();ctx.fill();}
      var txt=(g.warnings.length?'⚠ '+g.warnings[0]+(g.warnings.length>1?' (+'+(g.warnings.length-1)+' more)':'')+'   ':'')+syncFigures(l);
      ctx.font='11px system-ui,"DejaVu Sans",sans-serif';ctx.textBaseline='middle';
      ctx.fillStyle=g.warnings.length?'#b3261e':'#3a4252';ctx.fillText(txt,LABEL+8,y0+8);}
    function drawLabels(){ctx.fillStyle='#fff';ctx.fillRect(0,AXIS,LABEL,totalH-AXIS);
      for(var r=0;r<rows.length;r++){var row=rows[r];
        if(row.type==='group'){var g=groups[row.g];ctx.fillStyle='#eef1f6';ctx.fillRect(0,row.y,W,row.h);
          ctx.fillStyle='#1d2430';ctx.font='600 12px system-ui,"DejaVu Sans",sans-serif';ctx.textBaseline='middle';ctx.fillText(g.title,10,row.y+row.h/2);
          var p=g.peer!=null?D.peers[g.peer]:null;if(p){var tw=ctx.measureText(g.title).width;ctx.font='11px system-ui,"DejaVu Sans",sans-serif';ctx.fillStyle='#5d6677';
            ctx.fillText(p.count.toLocaleString('en-US')+' events'+(p.lostMarks?' · '+p.lostMarks+' lost-event mark'+(p.lostMarks>1?'s':''):''),16+tw,row.y+row.h/2);}
          if(g.warnings.length){ctx.fillStyle='#b3261e';ctx.fillRect(0,row.y,4,row.h);}}
        else{var ln=lanes[row.l];ctx.font=(ln.kind==='hostThread'?'11px ':'12px ')+'system-ui,"DejaVu Sans",sans-serif';ctx.textBaseline='middle';
          ctx.fillStyle=ln.kind==='hostThread'||ln.kind==='sync'?'#5d6677':'#1d2430';
          ctx.fillText((ln.kind==='hostThread'?'↳ ':'')+ln.label,ln.kind==='hostThread'?26:18,row.y+row.h/2);
          ctx.strokeStyle='#eceef2';ctx.beginPath();ctx.moveTo(0,row.y+row.h-0.5);ctx.lineTo(W,row.y+row.h-0.5);ctx.stroke();}}
      ctx.strokeStyle='#d9dde5';ctx.beginPath();ctx.moveTo(LABEL-0.5,AXIS);ctx.lineTo(LABEL-0.5,totalH);ctx.stroke();}
    var drawn=0,lastTip=null;
    function draw(){ensureDetail();ctx.setTransform(dpr,0,0,dpr,0,0);ctx.clearRect(0,0,W,totalH);ctx.fillStyle='#fff';ctx.fillRect(0,0,W,totalH);
      drawLabels();
      for(var l=0;l<nL;l++)drawLane(l);
      if(!D.complete&&EX.hi>EX.lo)[EX.lo,EX.hi].forEach(function(te){if(!isFinite(te))return;var xd=tx(te);if(xd>LABEL&&xd<W){ctx.strokeStyle='rgba(37,87,214,0.7)';ctx.setLineDash([4,3]);ctx.beginPath();ctx.moveTo(xd+0.5,AXIS);ctx.lineTo(xd+0.5,totalH);ctx.stroke();ctx.setLineDash([]);}});
      drawAxis();drawn++;
      document.getElementById('range').textContent='visible '+absTime(Math.max(view[0],0),9)+' … '+absTime(Math.min(view[1],span),9)+' s  ('+dur(view[1]-view[0])+' of '+dur(span)+')'+(D.complete?'':EX.hi>EX.lo?'  ·  exact events and slices (detail tiles '+detailKey.replace(':',' … ')+' of '+TI.t0.length+')':'  ·  per-pixel summaries'+(TILED?' (zoom in to at most '+MAXT+' detail tiles of '+D.tiles.size+' events for exact events)':''));
      writeState();}
    // Zoom and pan.
    function zoom(f,at){var vs=view[1]-view[0],c=at==null?(view[0]+view[1])/2:at,ns=Math.min(span+2*pad,Math.max(50,vs*f));
      var a=c-(c-view[0])*ns/vs;setView(a,a+ns);}
    function pan(fr){var vs=view[1]-view[0];setView(view[0]+vs*fr,view[1]+vs*fr);}
    function setView(a,b){var vs=b-a;if(a<-pad){a=-pad;b=a+vs;}if(b>span+pad){b=span+pad;a=b-vs;}if(a<-pad)a=-pad;view=[a,b];draw();}
    document.addEventListener('keydown',function(e){if(e.target&&e.target.id==='search'){if(e.key==='Escape'){e.target.blur();}return;}
      var k=e.key;if(k==='w'||k==='W'||k==='+'||k==='=')zoom(1/1.6);else if(k==='s'||k==='S'||k==='-'||k==='_')zoom(1.6);
      else if(k==='a'||k==='A'||k==='ArrowLeft')pan(-0.2);else if(k==='d'||k==='D'||k==='ArrowRight')pan(0.2);
      else if(k==='0'||k==='Home')setView(initialView[0],initialView[1]);else if(k==='/'){e.preventDefault();document.getElementById('search').focus();return;}else return;
      e.preventDefault();hideTip();});
    cv.addEventListener('wheel',function(e){e.preventDefault();var r=cv.getBoundingClientRect(),x=e.clientX-r.left;
      if(e.shiftKey||Math.abs(e.deltaX)>Math.abs(e.deltaY))pan((e.deltaX||e.deltaY)>0?0.1:-0.1);else zoom(e.deltaY<0?1/1.25:1.25,x>LABEL?xt(x):null);},{passive:false});
    var dragX=null,dragV=null;
    cv.addEventListener('mousedown',function(e){dragX=e.clientX;dragV=view.slice();cv.classList.add('drag');});
    window.addEventListener('mouseup',function(){dragX=null;cv.classList.remove('drag');});
    window.addEventListener('mousemove',function(e){if(dragX!=null){var d=(e.clientX-dragX)/plotW()*(dragV[1]-dragV[0]);setView(dragV[0]-d,dragV[1]-d);}});
    cv.addEventListener('dblclick',function(e){var r=cv.getBoundingClientRect(),x=e.clientX-r.left;if(x>LABEL)zoom(1/2.5,xt(x));});
    // Hover.
    function hideTip(){tip.style.display='none';}
    function laneAt(y){for(var l=0;l<nL;l++)if(y>=laneY[l]&&y<laneY[l]+laneH[l])return l;return -1;}
    function tipText(l,x){var t=xt(x),px=(view[1]-view[0])/plotW(),ln=lanes[l];
      if(ln.kind==='sync'){var best=null,bd=6*px;for(var i=0;i<D.sync.length;i++){var m=D.sync[i];if(m[0]!==l)continue;var d=Math.abs(m[1]-t);if(d<=bd){bd=d;best=m;}}
        var p=D.peers[ln.peer],s=p&&p.sync?p.sync:{cpus:[],warnings:[]},txt='';
        if(best)txt+='TIME_SHIFT sample, VCPU '+best[3]+' at '+absTime(best[1],6)+' s: offset '+best[2]+' ns\n\n';
        txt+=s.cpus.join('\n');if(s.warnings.length)txt+='\nwarning: '+s.warnings.join('\nwarning: ');return txt||'no sync data';}
      if(t>=EX.lo&&t<EX.hi){
        if(ln.kind!=='hostThread'){var ti=laneTicks[l],j=lowerBound(T.t,ti,t-5*px),be=-1,bd2=5*px;
          for(;j<ti.length;j++){var e=ti[j],dt=Math.abs(T.t[e]-t);if(T.t[e]>t+5*px)break;if(dt<=bd2&&(!nameMatch||nameMatch[T.name[e]]||be<0)){bd2=dt;be=e;}}
          if(be>=0)return lineOf(be);}
        var out=[];var ks=ln.kind==='hostThread'?[1,2]:[0];
        for(var kk=0;kk<ks.length;kk++){var idx=laneSlices[l][ks[kk]],a=lowerBound(S.end,idx,t);if(a<idx.length){var s2=idx[a];if(S.start[s2]<=t){
          if(ks[kk]===0){var tk=D.tasks[S.task[s2]-1];out.push(tk[0]+'-'+tk[1]+' running on '+ln.label+'\n'+absTime(S.start[s2],6)+' … '+absTime(S.end[s2],6)+' s  ('+dur(S.end[s2]-S.start[s2])+')');}
          else if(ks[kk]===1)out.push('VCPU thread (host pid '+ln.pid+') on host CPU '+S.task[s2]+'\n'+absTime(S.start[s2],6)+' … '+absTime(S.end[s2],6)+' s  ('+dur(S.end[s2]-S.start[s2])+')');
          else out.push('in the guest (kvm_entry … kvm_exit) for '+dur(S.end[s2]-S.start[s2]));}}}
        if(out.length)return out.join('\n');
        return ln.kind==='hostThread'?'VCPU thread (host pid '+ln.pid+') not running':ln.label+': idle';}
      if(SUM){var i2=Math.floor((t-SUM.origin)/SUM.width);if(i2>=0&&i2<SUM.bins){var b=l*SUM.bins+i2,tk2=SUM.task[b];
        var txt2='summary of '+dur(SUM.width)+' from '+absTime(SUM.origin+i2*SUM.width,6)+' s\n'+SUM.count[b]+' events, busy '+Math.round(SUM.busy[b]/2.55)+' %';
        if(tk2&&ln.kind!=='hostThread'){var tt=D.tasks[tk2-1];txt2+=', mostly '+tt[0]+'-'+tt[1];}
        if(ln.kind==='hostThread'&&auxRow[l]>=0)txt2+=', in guest '+Math.round(SUM.aux[auxRow[l]*SUM.bins+i2]/2.55)+' %';
        return txt2+(TILED?'\n(zoom in for exact events)':'\n(exact events: tracecmd view --start/--end on this window)');}}
      return '';}
    cv.addEventListener('mousemove',function(e){if(dragX!=null){hideTip();return;}var r=cv.getBoundingClientRect(),x=e.clientX-r.left,y=e.clientY-r.top;
      var l=laneAt(y);if(l<0||x<LABEL){hideTip();return;}var txt=tipText(l,x);if(!txt){hideTip();return;}
      tip.textContent=txt;tip.style.display='block';var tw=tip.offsetWidth,left=x+14;if(left+tw>W-4)left=Math.max(4,x-tw-14);tip.style.left=left+'px';tip.style.top=(y+16)+'px';});
    cv.addEventListener('mouseleave',hideTip);
    document.getElementById('search').addEventListener('input',function(e){setQuery(e.target.value);});
    // Legend.
    function el(tag,attrs,text){var e=document.createElement(tag);if(attrs)for(var k in attrs)e.setAttribute(k,attrs[k]);if(text!=null)e.textContent=text;return e;}
    function baseName(p){var i=p.lastIndexOf('/');return i>=0?p.slice(i+1):p;}
    function peerShort(p){var q=D.peers[p];return q?(q.guest||q.role):'';}
    function legend(){var L=document.getElementById('legend');
      var sec=el('div'),tb=el('table',{id:'peer-counts'});sec.appendChild(el('h2',null,'Files'));
      var hr=el('tr');['file','role','events','lost','cpus'].forEach(function(h){hr.appendChild(el('th',null,h));});tb.appendChild(hr);
      D.peers.forEach(function(p){var tr=el('tr',{'class':'peer'});tr.appendChild(el('td',{title:p.path},baseName(p.path)));
        tr.appendChild(el('td',null,p.role+(p.guest?' '+p.guest:'')));
        tr.appendChild(el('td',{'class':'num count','data-peer':p.path,'data-count':String(p.count)},p.count.toLocaleString('en-US')));
        tr.appendChild(el('td',{'class':'num'},p.lostMarks?(p.lost?p.lost.toLocaleString('en-US'):'?')+' ('+p.lostMarks+'×)':'0'));
        var nl=0;for(var l=0;l<nL;l++)if(lanes[l].peer===p.index&&(lanes[l].kind==='cpu'||lanes[l].kind==='vcpu'))nl++;
        tr.appendChild(el('td',{'class':'num'},String(nl)));tb.appendChild(tr);});
      sec.appendChild(tb);L.appendChild(sec);
      var guests=D.peers.filter(function(p){return p.sync;});
      if(guests.length){var sy=el('div');sy.appendChild(el('h2',null,'Clock sync (TIME_SHIFT)'));
        guests.forEach(function(p){var d=el('div');d.appendChild(el('b',null,(p.guest||p.path)+': '));d.appendChild(document.createTextNode(p.sync.summary));sy.appendChild(d);
          p.sync.cpus.forEach(function(c){sy.appendChild(el('div',{'class':'note'},'  '+c));});
          p.sync.warnings.forEach(function(w){sy.appendChild(el('div',{'class':'warn'},'⚠ '+w));});});
        L.appendChild(sy);}
      var ts=el('div');ts.appendChild(el('h2',null,'Tasks (by time on CPU)'));var order=[];for(var i=0;i<D.tasks.length;i++)if(taskBusy[i]>0)order.push(i);
      order.sort(function(a,b){return taskBusy[b]-taskBusy[a];});var box=el('div',{'class':'tasks'});
      order.slice(0,24).forEach(function(i){var d=el('div',{title:dur(taskBusy[i])});var sw=el('span',{'class':'sw'});sw.style.background=taskColor[i];d.appendChild(sw);
        d.appendChild(document.createTextNode(D.tasks[i][0]+'-'+D.tasks[i][1]+(D.peers.length>1?' ('+peerShort(D.tasks[i][2])+')':'')+'  '+dur(taskBusy[i])));box.appendChild(d);});
      if(order.length>24)box.appendChild(el('div',{'class':'note'},'+ '+(order.length-24)+' more'));ts.appendChild(box);L.appendChild(ts);
      var ev=el('div');ev.appendChild(el('h2',null,'Events'));var et=el('table',{id:'event-counts'});var names=Object.keys(D.counts);
      names.slice(0,14).forEach(function(n){var tr=el('tr');tr.appendChild(el('td',null,n));tr.appendChild(el('td',{'class':'num'},D.counts[n].toLocaleString('en-US')));et.appendChild(tr);});
      if(names.length>14){var tr2=el('tr');tr2.appendChild(el('td',{'class':'note'},'+ '+(names.length-14)+' more kinds'));et.appendChild(tr2);}
      ev.appendChild(et);L.appendChild(ev);
      var ky=el('div');ky.appendChild(el('h2',null,'Key'));
      function keyRow(html,text){var d=el('div');var s=el('span',{'class':'sym'});s.innerHTML=html;d.appendChild(s);d.appendChild(document.createTextNode(text));ky.appendChild(d);}
      keyRow('<span class="sw" style="background:hsl(200,55%,60%)"></span>','task running (colour by task; idle blank)');
      keyRow('<span style="display:inline-block;width:1px;height:10px;background:#28303c"></span>','event (hover: its report line)');
      keyRow('<span style="color:#d32f2f">▼</span>','events lost by the ring buffer');
      keyRow('<span style="color:#1f77b4">◆</span>','TIME_SHIFT sample (colour by VCPU)');
      keyRow('<span class="sw" style="background:'+cpuColor(0)+';opacity:.55"></span>','VCPU thread on host CPU (colour by CPU)');
      keyRow('<span class="sw" style="background:#1b5e20"></span>','VCPU in the guest (kvm_entry … kvm_exit)');
      keyRow('<span class="sw" style="background:repeating-linear-gradient(45deg,#f6c8c5 0 3px,#fff 3px 6px)"></span>','no or inconsistent sync data');
      var nt=D.complete?'All '+T.t.length.toLocaleString('en-US')+' events are embedded exactly.':
        TILED?(D.tiles.events.toLocaleString('en-US')+' events'+(D.tiles.all?'':' (up to '+absTime(D.tiles.end,6)+' s; summaries only after it)')+' are in '+TI.t0.length+' compressed detail tiles of '+D.tiles.size.toLocaleString('en-US')+' events. Zoomed in to at most '+MAXT+' tiles, the page decodes them and draws exact events and task slices; hover shows the report line (the whole line for the first '+D.limits.detailLimit.toLocaleString('en-US')+' events, its prefix for the others). Zoomed out: per-pixel summaries of '+D.limits.summaryBins+' bins per lane.')
        :'Per-pixel summaries of '+D.limits.summaryBins+' bins per lane. Use tracecmd view --start/--end for exact events of a window.';
      ky.appendChild(el('div',{'class':'note'},nt));
      ky.appendChild(el('div',{'class':'note'},'Size bound of this page: '+(D.limits.pageBound/1e6).toFixed(1)+' MB: 64 KB, 180 KB per lane, the plain events or at most '+(D.limits.tileBytes*4/3/1e6).toFixed(1)+' MB of detail tiles and one tile more (about 1.7 bytes per event), and the task and name tables; see the TraceView documentation.'));
      if(D.errors.length)ky.appendChild(el('div',{'class':'warn'},D.errors.length+' read error(s): '+D.errors[0]));
      L.appendChild(ky);}
    // The exact events inside the visible window: count, first and last time (ns from the page's start).
    // With "#lines" in the address, also their hover lines (the first line of each), in order.
    var wantLines=location.hash.indexOf('lines')>=0;
    function visibleExact(){var n=0,f=null,l=null,ls=[];if(!(view[0]>=EX.lo&&view[1]<=EX.hi))return null;
      for(var i=0;i<T.t.length;i++){var t=T.t[i];if(t>=view[0]&&t<=view[1]){n++;if(f===null||t<f)f=t;if(l===null||t>l)l=t;if(wantLines)ls.push(lineOf(i).split('\n')[0]);}}
      return wantLines?{count:n,first:f,last:l,lines:ls}:{count:n,first:f,last:l};}
    // With "#pixels" in the address, a hash (FNV-1a) of the canvas's pixels: tests compare drawings.
    function pixelHash(){if(location.hash.indexOf('pixels')<0)return null;var d=ctx.getImageData(0,0,cv.width,cv.height).data,h=2166136261;
      for(var i=0;i<d.length;i++){h^=d[i];h=Math.imul(h,16777619);}return (h>>>0).toString(16);}
    function writeState(){var kinds={cpu:0,vcpu:0,hostThread:0,sync:0};lanes.forEach(function(l){kinds[l.kind]++;});
      var st={ready:true,lanes:nL-kinds.sync,laneKinds:kinds,groups:groups.length,groupWarnings:groups.map(function(g){return g.warnings.length;}),lost:D.lost.length,syncMarks:D.sync.length,view:view,initialView:initialView,drawn:drawn,
        errors:window.tcErrors,canvas:[cv.width,cv.height],complete:D.complete,ticks:T.t.length,slices:S.lane.length,query:query,matches:matchCount,tip:lastTip,
        tiles:TI?TI.t0.length:0,tilesDecoded:tilesDecoded,tilesPending:tilePending,detail:detailKey,exact:[isFinite(EX.lo)?EX.lo:null,isFinite(EX.hi)?EX.hi:null],visible:visibleExact(),pixels:pixelHash(),
        loadMs:Math.round(performance.now())};
      document.getElementById('tc-state').textContent=JSON.stringify(st);}
    legend();
    window.addEventListener('resize',resize);
    resize();
    // Tests: "#keys=w,w" presses keys after the first drawing; "#search=text" searches.
    var hs=location.hash.slice(1).split('&');
    hs.forEach(function(p){var kv=p.split('=');if(kv[0]==='search'){var s=decodeURIComponent(kv[1]||'');document.getElementById('search').value=s;setQuery(s);}});
    hs.forEach(function(p){var kv=p.split('=');if(kv[0]==='hover'){var a=(kv[1]||'').split(':'),hl=+a[0],ht=+a[1];
      setView(ht-1000,ht+1000);whenReady(function(){draw();lastTip=tipText(hl,tx(ht));writeState();});}});
    hs.forEach(function(p){var kv=p.split('=');if(kv[0]==='keys')(kv[1]||'').split(',').forEach(function(k){if(k)document.dispatchEvent(new KeyboardEvent('keydown',{key:decodeURIComponent(k),bubbles:true}));});});
    writeState();
    })();
    """#
}
